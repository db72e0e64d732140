// A job: its state, progress per class (live), timings, error, alerts,
// result, request, report (in a frame) and files.
import { h, replace, badge, terminal, timeEl, fmtSeconds, fmtNum, json, kv, errorBox, showError, strategyText } from './dom.js';
import { get, post, watchJob } from './api.js';
import { fileBrowser } from './files.js';

// alertList shows harm and quality alerts (red, amber) and caveats.
export function alertList(alerts, testid = 'alerts') {
  if (!alerts || alerts.length === 0) return null;
  return h('div', { testid }, alerts.map((a) => h('div', { class: `alert ${a.severity || 'amber'}`, role: 'note', testid: 'alert' },
    h('p', {}, h('strong', {}, `${a.kind === 'harm' ? 'Harm' : a.kind === 'caveat' ? 'Caveat' : a.kind || 'Alert'}${a.severity ? ` (${a.severity})` : ''}: `), a.message),
    a.metric ? h('p', { class: 'small' }, `${a.metric}${a.over ? ` vs ${a.over}` : ''}${a.lift !== undefined ? `: lift ${fmtNum(a.lift)}` : ''}${a.judge ? ` · judge ${a.judge}` : ''}`) : null)));
}

export function reportFrame(src, title) {
  // The report runs no code: the frame is sandboxed (and the server sends
  // it with a sandbox policy too); its pictures are data: URIs. The
  // session cookie authenticates the frame's request.
  return h('section', { testid: 'report' },
    h('h2', {}, 'Report'),
    h('p', { class: 'small' }, h('a', { href: src, target: '_blank', rel: 'noopener', testid: 'report-link' }, 'Open the report in a new tab')),
    h('iframe', { class: 'report', src, title, sandbox: '', testid: 'report-frame' }));
}

function progressTable(job) {
  const classes = Object.entries(job.progress?.classes || {}).filter(([, c]) => c.total > 0);
  if (classes.length === 0) return h('p', { class: 'muted' }, 'No per-class progress yet.');
  return h('div', { class: 'table-wrap' }, h('table', { testid: 'class-progress' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Class'), h('th', { scope: 'col' }, 'Progress'), h('th', { scope: 'col', class: 'num' }, 'Done'))),
    h('tbody', {}, classes.map(([name, c]) => h('tr', { testid: 'class-row', 'data-class': name },
      h('td', {}, name),
      h('td', {}, h('progress', { max: c.total, value: c.done, 'aria-label': `${name}: ${c.done} of ${c.total}` })),
      h('td', { class: 'num', testid: 'class-done' }, `${c.done} / ${c.total}`))))));
}

function details(d) {
  if (!d || Object.keys(d).length === 0) return null;
  return h('details', { open: true }, h('summary', {}, 'Stage figures'),
    kv(Object.entries(d).map(([k, v]) => [k, typeof v === 'number' ? (Number.isInteger(v) ? String(v) : fmtNum(v, 4)) : JSON.stringify(v)]), 'stage-details'));
}

export function jobPage(id) {
  const base = `/v1/jobs/${encodeURIComponent(id)}`;
  // The header's buttons and the request stay while events re-render the
  // rest, so a click or an open section is never lost to an update.
  const state = h('span', { testid: 'job-state' });
  const cancel = h('button', { type: 'button', class: 'danger', testid: 'cancel-job', hidden: true });
  const retry = h('button', { type: 'button', testid: 'retry-job', hidden: true }, 'Retry');
  const evalLink = h('a', { hidden: true }, 'Leaderboard');
  const request = h('pre', { testid: 'job-request' });
  const live = h('div', { testid: 'job-summary' }, h('p', {}, 'Loading…'));
  const extras = h('div');
  let stop = () => {};
  let shownReport = false;
  let files = null;
  const getErr = () => el.querySelector('[data-testid="error"]');

  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try { render(await post(`${base}/cancel`)); } catch (err) { showError(getErr(), err); cancel.disabled = false; }
  });
  retry.addEventListener('click', async () => {
    retry.disabled = true;
    try { render(await post(`${base}/retry`)); watch(); } catch (err) { showError(getErr(), err); }
    retry.disabled = false;
  });

  const render = (job) => {
    replace(state, badge(job.state));
    state.dataset.state = job.state;
    cancel.hidden = terminal(job.state);
    cancel.disabled = !!job.cancel_requested;
    cancel.textContent = job.cancel_requested ? 'Cancelling…' : 'Cancel';
    retry.hidden = !(job.state === 'failed' || job.state === 'cancelled');
    evalLink.hidden = job.kind !== 'evaluate';
    evalLink.href = `#/evaluations/${job.id}`;
    const r = job.request || {};
    const t = job.timings || {};
    request.textContent = json(job.kind === 'evaluate' ? { ...r, evaluation: job.evaluation } : r);
    replace(live,
      job.error ? h('div', { class: `alert ${job.state === 'retrying' ? 'warn' : 'error'}`, role: 'alert', testid: 'job-error' },
        h('p', {}, h('strong', {}, job.state === 'retrying' ? 'Last attempt failed: ' : 'Error: '), job.error)) : null,
      job.storage_wait ? h('div', { class: 'alert warn', testid: 'storage-wait' },
        h('p', {}, `Waiting for storage since ${new Date(job.storage_wait.since).toLocaleString()} (${job.storage_wait.retries} tries); gives up at ${new Date(job.storage_wait.gives_up_at).toLocaleString()}.`)) : null,
      alertList(job.result?.alerts, 'job-alerts'),
      h('div', { class: 'cards' },
        h('div', { class: 'card' }, h('h2', {}, 'Progress'),
          h('p', {}, 'Stage: ', h('strong', { testid: 'job-stage' }, job.progress?.stage || job.state)),
          progressTable(job), details(job.progress?.details)),
        h('div', { class: 'card' }, h('h2', {}, 'Timings'), kv([
          ['created', timeEl(job.created_at)], ['started', timeEl(job.started_at)], ['finished', timeEl(job.finished_at)],
          ['queued', t.queued_s !== undefined ? fmtSeconds(t.queued_s) : ''], ['running', t.running_s !== undefined ? fmtSeconds(t.running_s) : ''],
          ['attempts', String(job.attempts)], ['retries', job.retry_count ? String(job.retry_count) : ''], ['worker', job.worker]], 'job-timings')),
        h('div', { class: 'card' }, h('h2', {}, 'Request'), kv([
          ['generator', r.generator], ['dataset', r.dataset], ['manifest', r.manifest], ['strategy', strategyText(r.strategy)],
          ['seed', r.seed !== undefined ? String(r.seed) : ''], ['quality', r.quality], ['output', job.output],
          ['schedule', job.schedule_id]], 'job-request-summary')),
        job.result ? h('div', { class: 'card' }, h('h2', {}, 'Result'), kv([
          ['samples written', String(job.result.files)],
          ['added', Object.entries(job.result.added || {}).filter(([, n]) => n > 0).map(([c, n]) => `${c}: ${n}`).join(', ')],
          ['already complete', job.result.already_complete ? 'yes (nothing generated)' : '']], 'job-result')) : null));
    if (job.state === 'succeeded' && !shownReport) {
      shownReport = true;
      extras.prepend(reportFrame(`${base}/files/report.html`, `Report of job ${job.id}`));
    }
    if (!files) {
      files = fileBrowser(`${base}/files`);
      extras.append(files);
    }
  };
  const watch = () => {
    stop();
    stop = watchJob(id, (j) => {
      render(j);
      // The output is complete: list it again.
      if (terminal(j.state) && files) files.querySelector('form button[type="button"]')?.click();
    });
  };

  const el = h('div', {},
    h('h1', {}, 'Job ', h('code', { testid: 'job-id' }, id)),
    h('div', { class: 'row' }, state, cancel, retry, evalLink),
    errorBox(null),
    live,
    h('details', {}, h('summary', {}, 'Whole request (JSON)'), request),
    extras);
  get(base).then((j) => {
    render(j);
    if (!terminal(j.state)) watch();
  }).catch((err) => replace(live, errorBox(err)));
  return { el, stop: () => stop() };
}

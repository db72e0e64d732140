// Jobs: the list, newest first, with live progress from each unfinished
// job's event stream, a state filter, paging and cancel.
import { h, replace, badge, terminal, timeEl, short, jobCounts, errorBox, showError } from './dom.js';
import { get, post, watchJob } from './api.js';

const states = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'];
// A browser holds at most six HTTP/1.1 connections to a server, and each
// event stream keeps one: a few streams, and a poll for the other jobs.
const maxWatched = 3;
const pollMs = 4000;

export function jobHref(job) {
  return job.kind === 'evaluate' ? `#/evaluations/${job.id}` : `#/jobs/${job.id}`;
}

export function generatorOf(job) {
  if (job.kind === 'evaluate') {
    let names = [];
    try { names = (job.evaluation?.methods || []).map((m) => m.name || m.generator); } catch { names = []; }
    return `evaluation: ${names.join(', ')}`;
  }
  return job.request?.generator || '';
}

// progressCell shows a job's samples done and to do, and its stage.
export function progressCell(job) {
  const { done, total } = jobCounts(job);
  const stage = job.progress?.stage || '';
  const d = job.progress?.details;
  if (!terminal(job.state) && d && d.steps > 0 && Number.isFinite(d.step)) {
    // A GAN training: its steps are the progress until samples are made.
    return h('span', { testid: 'job-progress' },
      h('progress', { max: d.steps, value: d.step, 'aria-label': `step ${d.step} of ${d.steps}` }), ' ',
      h('span', { class: 'small' }, `step ${d.step} / ${d.steps}`), stage ? h('span', { class: 'small muted' }, ` · ${stage}`) : null);
  }
  if (job.state === 'succeeded' && job.result) {
    return h('span', { testid: 'job-progress' }, `${job.result.files} written`);
  }
  if (total === 0) return h('span', { testid: 'job-progress', class: 'muted' }, stage);
  return h('span', { testid: 'job-progress' },
    h('progress', { max: total, value: done, 'aria-label': `${done} of ${total} samples` }), ' ',
    h('span', { class: 'small' }, `${done} / ${total}`), stage ? h('span', { class: 'small muted' }, ` · ${stage}`) : null);
}

export async function cancelJob(id, button, errEl) {
  button.disabled = true;
  try {
    const j = await post(`/v1/jobs/${encodeURIComponent(id)}/cancel`);
    return j;
  } catch (err) {
    showError(errEl(), err);
    button.disabled = false;
    return null;
  }
}

export function jobsPage() {
  const stops = new Map();
  let timer = 0;
  const stopAll = () => { for (const s of stops.values()) s(); stops.clear(); clearTimeout(timer); };
  const select = h('select', { id: 'state-filter', testid: 'state-filter' },
    h('option', { value: '' }, 'any state'), states.map((s) => h('option', { value: s }, s)));
  select.value = sessionStorage.getItem('tailsynth.stateFilter') || '';
  const tbody = h('tbody');
  const more = h('button', { type: 'button', testid: 'jobs-more', hidden: true }, 'Older jobs');
  let errEl = errorBox(null);
  const getErr = () => el.querySelector('[data-testid="error"]');
  let cursor = '';

  // A row is updated in place, so that a click on its cancel button lands
  // even while the job's events keep arriving.
  const cells = (job) => [
    h('a', { href: jobHref(job), class: 'mono' }, job.id),
    badge(job.state),
    generatorOf(job),
    short(job.request?.dataset, 36),
    progressCell(job),
    timeEl(job.created_at),
  ];
  const labels = ['Job', 'State', 'Generator', 'Dataset', 'Progress', 'Created'];
  const fill = (tr, job) => {
    tr.dataset.state = job.state;
    tr.dataset.updated = job.updated_at;
    const tds = tr.children;
    cells(job).forEach((c, i) => replace(tds[i], c));
    const act = tds[tds.length - 1];
    let btn = act.querySelector('button');
    if (terminal(job.state)) { replace(act); return; }
    if (!btn) {
      btn = h('button', { type: 'button', class: 'danger', testid: 'cancel-job', 'aria-label': `Cancel job ${job.id}`,
        onclick: async (ev) => { const j = await cancelJob(job.id, ev.currentTarget, getErr); if (j) update(j); } });
      act.append(btn);
    }
    btn.disabled = !!job.cancel_requested;
    btn.textContent = job.cancel_requested ? 'Cancelling…' : 'Cancel';
  };
  const row = (job) => {
    const tr = h('tr', { testid: 'job-row', 'data-job-id': job.id },
      labels.map((l) => h('td', { 'data-label': l, class: l === 'Created' ? 'small' : null })), h('td', { class: 'actions' }));
    fill(tr, job);
    return tr;
  };
  const update = (job) => {
    const tr = tbody.querySelector(`tr[data-job-id="${CSS.escape(job.id)}"]`);
    if (tr) fill(tr, job);
    if (terminal(job.state) && stops.has(job.id)) { stops.get(job.id)(); stops.delete(job.id); }
  };
  const watch = (job) => {
    if (terminal(job.state) || stops.has(job.id) || stops.size >= maxWatched) return;
    stops.set(job.id, watchJob(job.id, update));
  };

  // poll refreshes the unfinished jobs no stream watches, and shows jobs
  // submitted since, from the first page.
  const poll = async () => {
    const q = new URLSearchParams({ limit: '50' });
    if (select.value) q.set('state', select.value);
    try {
      const data = await get(`/v1/jobs?${q}`);
      let at = tbody.firstElementChild;
      for (const j of data.jobs) {
        const old = tbody.querySelector(`tr[data-job-id="${CSS.escape(j.id)}"]`);
        if (old) {
          // Unchanged rows stay as they are (keyboard focus included).
          if (!stops.has(j.id) && old.dataset.updated !== j.updated_at) update(j);
          at = null;
          continue;
        }
        if (at !== null) { tbody.insertBefore(row(j), at); watch(j); }
      }
      tbody.querySelector('[data-testid="jobs-empty"]')?.closest('tr')?.remove();
    } catch { /* the next poll tries again */ }
    timer = setTimeout(poll, pollMs);
  };

  const load = async (append) => {
    if (!append) { stopAll(); cursor = ''; }
    const q = new URLSearchParams({ limit: '50' });
    if (select.value) q.set('state', select.value);
    if (cursor) q.set('cursor', cursor);
    try {
      const data = await get(`/v1/jobs?${q}`);
      errEl = showError(getErr(), null);
      if (!append) replace(tbody);
      for (const j of data.jobs) { tbody.append(row(j)); watch(j); }
      if (!append && data.jobs.length === 0) tbody.append(h('tr', {}, h('td', { colspan: 7, class: 'muted', testid: 'jobs-empty' }, 'No jobs', select.value ? ` in state ${select.value}` : '', '. ', h('a', { href: '#/new' }, 'Submit one.'))));
      cursor = data.next_cursor || '';
      more.hidden = !cursor;
      clearTimeout(timer);
      timer = setTimeout(poll, pollMs);
    } catch (err) {
      errEl = showError(getErr(), err);
    }
  };
  select.addEventListener('change', () => { sessionStorage.setItem('tailsynth.stateFilter', select.value); load(false); });
  more.addEventListener('click', () => load(true));

  const el = h('div', {},
    h('h1', {}, 'Jobs'),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'state-filter' }, 'State'), select),
      h('div', { class: 'field' }, h('button', { type: 'button', testid: 'jobs-refresh', onclick: () => load(false) }, 'Refresh')),
      h('div', { class: 'field' }, h('a', { class: 'button primary', href: '#/new' }, 'New job'))),
    errEl,
    h('div', { class: 'table-wrap' }, h('table', { testid: 'jobs-table', class: 'stack' },
      h('thead', {}, h('tr', {}, ['Job', 'State', 'Generator', 'Dataset', 'Progress', 'Created', ''].map((c) => h('th', { scope: 'col' }, c)))),
      tbody)),
    h('p', {}, more));
  load(false);
  return { el, stop: stopAll };
}

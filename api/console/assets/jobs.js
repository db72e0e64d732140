// Jobs: the list, newest first, with live progress from each unfinished
// job's event stream, a state filter, paging and cancel.
import { h, replace, badge, terminal, timeEl, short, jobCounts, errorBox, showError } from './dom.js';
import { get, post, watchJob } from './api.js';

const states = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'];
const maxWatched = 25;

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
  const stopAll = () => { for (const s of stops.values()) s(); stops.clear(); };
  const select = h('select', { id: 'state-filter', testid: 'state-filter' },
    h('option', { value: '' }, 'any state'), states.map((s) => h('option', { value: s }, s)));
  select.value = sessionStorage.getItem('tailsynth.stateFilter') || '';
  const tbody = h('tbody');
  const more = h('button', { type: 'button', testid: 'jobs-more', hidden: true }, 'Older jobs');
  let errEl = errorBox(null);
  const getErr = () => el.querySelector('[data-testid="error"]');
  let cursor = '';

  const row = (job) => {
    const cancel = terminal(job.state) ? null : h('button', { type: 'button', class: 'danger', testid: 'cancel-job',
      disabled: !!job.cancel_requested, 'aria-label': `Cancel job ${job.id}`,
      onclick: async (ev) => { const j = await cancelJob(job.id, ev.currentTarget, getErr); if (j) update(j); } },
    job.cancel_requested ? 'Cancelling…' : 'Cancel');
    return h('tr', { testid: 'job-row', 'data-job-id': job.id, 'data-state': job.state },
      h('td', { 'data-label': 'Job' }, h('a', { href: jobHref(job), class: 'mono' }, job.id)),
      h('td', { 'data-label': 'State' }, badge(job.state)),
      h('td', { 'data-label': 'Generator' }, generatorOf(job)),
      h('td', { 'data-label': 'Dataset' }, short(job.request?.dataset, 36)),
      h('td', { 'data-label': 'Progress' }, progressCell(job)),
      h('td', { 'data-label': 'Created', class: 'small' }, timeEl(job.created_at)),
      h('td', { class: 'actions' }, cancel));
  };
  const update = (job) => {
    const old = tbody.querySelector(`tr[data-job-id="${CSS.escape(job.id)}"]`);
    if (old) old.replaceWith(row(job));
    if (terminal(job.state) && stops.has(job.id)) { stops.get(job.id)(); stops.delete(job.id); }
  };
  const watch = (job) => {
    if (terminal(job.state) || stops.has(job.id) || stops.size >= maxWatched) return;
    stops.set(job.id, watchJob(job.id, update));
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

// Evaluations: the list (evaluation jobs), a form to start one, and one
// evaluation's sortable leaderboard with its lifts over real and SMOTE,
// its report (every method's pictures) and a button to run the winner.
import { h, replace, badge, terminal, timeEl, short, fmtStat, fmtLift, fmtNum, errorBox, showError, field, json } from './dom.js';
import { get, post, watchJob } from './api.js';
import { datasetFields, strategyFields, generators } from './newjob.js';
import { alertList, reportFrame } from './job.js';
import { fileBrowser } from './files.js';

export function evaluationsPage() {
  const tbody = h('tbody', {}, h('tr', {}, h('td', { colspan: 5 }, 'Loading…')));
  const idInput = h('input', { type: 'text', id: 'evaluation-id', testid: 'evaluation-id', placeholder: 'eval_…', autocomplete: 'off' });
  const getErr = () => el.querySelector('[data-testid="error"]');

  const load = async () => {
    try {
      const data = await get('/v1/jobs?kind=evaluate&limit=200');
      const evals = data.jobs;
      replace(tbody, evals.length === 0 ? h('tr', {}, h('td', { colspan: 5, class: 'muted', testid: 'evaluations-empty' }, 'No evaluations yet.')) : null,
        evals.map((j) => h('tr', { testid: 'evaluation-row', 'data-job-id': j.id },
          h('td', {}, h('a', { href: `#/evaluations/${j.id}`, class: 'mono' }, j.id)),
          h('td', {}, badge(j.state)),
          h('td', {}, (j.evaluation?.methods || []).map((m) => m.name || m.generator).join(', ')),
          h('td', { class: 'hide-narrow' }, short(j.request?.dataset, 36)),
          h('td', { class: 'small hide-narrow' }, timeEl(j.created_at)))));
    } catch (err) { showError(getErr(), err); }
  };

  const ds = datasetFields('eval', () => {});
  const st = strategyFields('eval', () => {});
  const methods = h('div', { testid: 'eval-methods' }, 'Loading…');
  const seeds = h('input', { type: 'text', id: 'eval-seeds', testid: 'eval-seeds', value: '1, 2, 3' });
  const judges = ['cnn', 'logreg'].map((j) => h('input', { type: 'checkbox', id: `eval-judge-${j}`, value: j, checked: j === 'logreg' }));
  generators().then((g) => {
    replace(methods, h('p', { class: 'hint small' }, 'The baselines real, random_oversampling and smote are always added.'),
      g.generators.filter((x) => x.name !== 'auto').map((x) => h('label', { class: 'check' },
        h('input', { type: 'checkbox', value: x.name, checked: x.name === 'augment', 'data-method': x.name }), x.name, x.heavy ? ' (GAN training, slow)' : '')));
  }).catch((err) => replace(methods, errorBox(err)));

  const form = h('form', { testid: 'evaluation-form', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      const body = { dataset: ds.value(), strategy: st.value(),
        methods: [...methods.querySelectorAll('input:checked')].map((c) => ({ generator: c.value })),
        seeds: seeds.value.split(',').map((x) => x.trim()).filter(Boolean).map(Number),
        judges: judges.filter((c) => c.checked).map((c) => c.value) };
      if (!body.dataset) throw new Error('choose a registered dataset or give a location');
      Object.assign(body, ds.extra());
      const resp = await post('/v1/evaluations', body);
      location.hash = `#/evaluations/${resp.evaluation.id}`;
    } catch (err) { showError(form.querySelector('[data-testid="error"]'), err); }
  } },
  ds.el, st.el,
  h('fieldset', {}, h('legend', {}, 'Methods'), methods),
  h('fieldset', {}, h('legend', {}, 'Measurement'), field('Seeds', seeds, 'comma-separated, distinct, non-zero'),
    h('p', { class: 'small' }, 'Judges (the first checked is the headline):'),
    judges.map((c) => h('label', { class: 'check', for: c.id }, c, c.value))),
  errorBox(null),
  h('p', {}, h('button', { type: 'submit', class: 'primary', testid: 'submit-evaluation' }, 'Start the evaluation')));

  const el = h('div', {},
    h('h1', {}, 'Evaluations'),
    h('form', { class: 'row', onsubmit: (ev) => { ev.preventDefault(); if (idInput.value.trim()) location.hash = `#/evaluations/${idInput.value.trim()}`; } },
      field('Open an evaluation by ID', idInput), h('div', { class: 'field' }, h('button', { type: 'submit', testid: 'open-evaluation' }, 'Open'))),
    errorBox(null),
    h('div', { class: 'table-wrap' }, h('table', { testid: 'evaluations-table' },
      h('thead', {}, h('tr', {}, ['Evaluation', 'State', 'Methods', 'Dataset', 'Created'].map((c, i) => h('th', { scope: 'col', class: i >= 3 ? 'hide-narrow' : null }, c)))),
      tbody)),
    h('details', { testid: 'new-evaluation' }, h('summary', {}, h('strong', {}, 'Start an evaluation')), form));
  load();
  return { el };
}

const columns = [
  { key: 'rank', label: 'Rank', num: true, value: (r) => (r.rank === 0 ? Infinity : r.rank), text: (r) => (r.rank === 0 ? '—' : String(r.rank)) },
  { key: 'name', label: 'Method', value: (r) => r.name, text: (r) => r.name },
  { key: 'kind', label: 'Kind', value: (r) => r.kind, text: (r) => r.kind + (r.protocol === 'whole_dataset' ? ' (whole dataset)' : '') },
  { key: 'minority_f1', label: 'Minority F1', num: true, value: (r) => r.minority_f1?.mean, text: (r) => fmtStat(r.minority_f1) },
  { key: 'macro_f1', label: 'Macro F1', num: true, value: (r) => r.macro_f1?.mean, text: (r) => fmtStat(r.macro_f1) },
  { key: 'balanced_accuracy', label: 'Balanced acc.', num: true, value: (r) => r.balanced_accuracy?.mean, text: (r) => fmtStat(r.balanced_accuracy) },
  { key: 'minority_recall', label: 'Minority recall', num: true, value: (r) => r.minority_recall?.mean, text: (r) => fmtStat(r.minority_recall) },
  { key: 'lift_real', label: 'Lift over real', num: true, value: (r) => r.lift_over_real?.minority_f1?.mean, text: (r) => fmtLift(r.lift_over_real?.minority_f1) },
  { key: 'lift_smote', label: 'Lift over SMOTE', num: true, value: (r) => r.lift_over_smote?.minority_f1?.mean, text: (r) => fmtLift(r.lift_over_smote?.minority_f1) },
  { key: 'frechet', label: 'Fréchet', num: true, value: (r) => r.fidelity?.frechet, text: (r) => fmtNum(r.fidelity?.frechet) },
  { key: 'near_copy', label: 'Near-copies', num: true, value: (r) => r.fidelity?.near_copy_share, text: (r) => (r.fidelity?.near_copy_share !== undefined ? `${(100 * r.fidelity.near_copy_share).toFixed(1)}%` : '') },
];

// leaderboardTable is the rows as a table sorted by a column, with a
// button per header that sorts by it (again: the other way).
function leaderboardTable(rows, onFiles) {
  let sortKey = 'rank';
  let asc = true;
  const thead = h('thead');
  const tbody = h('tbody');
  const render = () => {
    const col = columns.find((c) => c.key === sortKey);
    const sorted = [...rows].sort((a, b) => {
      const x = col.value(a);
      const y = col.value(b);
      const missing = (v) => v === undefined || v === null || Number.isNaN(v);
      if (missing(x) && missing(y)) return 0;
      if (missing(x)) return 1; // rows without the figure last, either way
      if (missing(y)) return -1;
      const c = typeof x === 'string' ? x.localeCompare(y) : x - y;
      return asc ? c : -c;
    });
    replace(thead, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null,
      'aria-sort': c.key === sortKey ? (asc ? 'ascending' : 'descending') : 'none' },
    h('button', { type: 'button', testid: `sort-${c.key}`, onclick: () => {
      if (sortKey === c.key) asc = !asc; else { sortKey = c.key; asc = !c.num || c.key === 'rank'; }
      render();
      thead.querySelector(`[data-testid="sort-${c.key}"]`).focus();
    } }, c.label, c.key === sortKey ? (asc ? ' ▲' : ' ▼') : ''))), h('th', { scope: 'col' }, 'Alerts'), h('th', { scope: 'col' }, 'Samples')));
    replace(tbody, sorted.map((r) => h('tr', { testid: 'leaderboard-row', 'data-name': r.name, 'data-rank': r.rank },
      columns.map((c) => h('td', { class: c.num ? 'num' : null, 'data-col': c.key }, c.text(r))),
      h('td', { class: 'small' }, r.error ? h('span', { class: 'alert error' }, `failed: ${r.error}`) : null,
        (r.alerts || []).map((a) => h('div', { class: `badge ${a.severity === 'red' ? 'state-failed' : 'state-queued'}`, title: a.message }, `${a.kind}${a.over ? ` vs ${a.over}` : ''}`))),
      h('td', {}, r.kind === 'method' && r.output ? h('button', { type: 'button', testid: 'row-files', onclick: () => onFiles(r) }, 'Files') : ''))));
  };
  render();
  return h('div', { class: 'table-wrap' }, h('table', { testid: 'leaderboard' }, h('caption', { class: 'muted small' },
    'Utility figures of the headline judge: mean ± standard deviation over the seeds; lifts are in minority F1. Click a header to sort.'), thead, tbody));
}

// winner is the best-ranked method row without an error.
export function winner(rows) {
  return rows.filter((r) => r.kind === 'method' && r.rank > 0 && !r.error).sort((a, b) => a.rank - b.rank)[0];
}

export function evaluationPage(id) {
  const base = `/v1/evaluations/${encodeURIComponent(id)}`;
  const body = h('div', {}, h('p', {}, 'Loading…'));
  let stop = () => {};
  const getErr = () => el.querySelector('[data-testid="error"]');

  const render = (resp) => {
    const ev = resp.evaluation;
    const req = ev.evaluation || {};
    const rows = resp.leaderboard || [];
    const best = winner(rows);
    const outputBase = (ev.output || '').replace(/\/$/, '');
    let files = null;
    const runWinner = best ? h('button', { type: 'button', class: 'primary', testid: 'run-winner', onclick: async (e) => {
      e.currentTarget.disabled = true;
      try {
        const jobReq = { dataset: req.dataset || ev.request.dataset, generator: best.generator, strategy: req.strategy ?? ev.request.strategy };
        if (best.params && Object.keys(best.params).length) jobReq.params = best.params;
        for (const k of ['manifest', 'label_column', 'column_types', 'exclude_columns', 'output_format']) {
          if (req[k] !== undefined && req[k] !== '') jobReq[k] = req[k];
        }
        const r = await post('/v1/jobs', jobReq);
        location.hash = `#/jobs/${r.job.id}`;
      } catch (err) { showError(getErr(), err); e.currentTarget.disabled = false; }
    } }, `Run the winner: ${best.name}`) : null;
    const onFiles = (r) => {
      let rel = r.output.startsWith(outputBase + '/') ? r.output.slice(outputBase.length + 1) : `methods/${r.name}`;
      if (!rel.endsWith('/')) rel += '/';
      files.setPrefix(rel);
      files.scrollIntoView({ block: 'start' });
    };
    replace(body,
      h('div', { class: 'row' }, h('span', { testid: 'evaluation-state', 'data-state': ev.state }, badge(ev.state)),
        h('span', {}, 'Stage: ', h('strong', {}, ev.progress?.stage || ev.state)),
        terminal(ev.state) ? null : h('button', { type: 'button', class: 'danger', testid: 'cancel-job', onclick: async (e) => {
          e.currentTarget.disabled = true;
          try { await post(`/v1/jobs/${encodeURIComponent(id)}/cancel`); } catch (err) { showError(getErr(), err); }
        } }, 'Cancel'),
        h('a', { href: `#/jobs/${ev.id}` }, 'Job view')),
      errorBox(null),
      ev.error ? h('div', { class: 'alert error', role: 'alert', testid: 'job-error' }, h('p', {}, h('strong', {}, 'Error: '), ev.error)) : null,
      resp.leaderboard_error ? h('div', { class: 'alert error', role: 'alert' }, h('p', {}, 'The leaderboard cannot be read: ', resp.leaderboard_error)) : null,
      h('p', { class: 'small' }, 'Dataset ', h('code', {}, req.dataset || ev.request?.dataset), ' · seeds ', (req.seeds || []).join(', '),
        ' · judges ', (req.judges || []).join(', '), resp.minority ? [' · minority classes ', resp.minority.join(', ')] : null),
      rows.length ? [h('h2', {}, 'Leaderboard'), h('p', {}, runWinner), leaderboardTable(rows, onFiles),
        alertList(rows.flatMap((r) => (r.alerts || []).filter((a) => a.kind === 'harm')), 'leaderboard-alerts'),
        resp.notes ? h('details', {}, h('summary', {}, 'How to read it'), h('ul', { class: 'small' }, resp.notes.map((n) => h('li', {}, n)))) : null]
        : h('p', { class: 'muted', testid: 'leaderboard-pending' }, terminal(ev.state) ? 'No leaderboard.' : 'The leaderboard appears when the evaluation succeeds.'),
      ev.state === 'succeeded' ? reportFrame(`${base}/files/report.html`, `Report of evaluation ${ev.id}`) : null,
      (files = fileBrowser(`${base}/files`)),
      h('details', {}, h('summary', {}, 'Whole request (JSON)'), h('pre', {}, json(req))));
  };

  const load = () => get(base).then((resp) => {
    render(resp);
    if (!terminal(resp.evaluation.state)) {
      stop();
      let last = resp.evaluation.state;
      stop = watchJob(id, (j) => {
        const stageEl = body.querySelector('[data-testid="evaluation-state"]');
        if (stageEl && j.state !== last) { last = j.state; }
        if (terminal(j.state)) { stop(); load(); } else if (stageEl) {
          replace(stageEl, badge(j.state));
          const stage = stageEl.nextElementSibling?.querySelector('strong');
          if (stage) stage.textContent = j.progress?.stage || j.state;
        }
      });
    }
  }).catch((err) => replace(body, errorBox(err)));

  const el = h('div', {}, h('h1', {}, 'Evaluation ', h('code', { testid: 'evaluation-id-title' }, id)), body);
  load();
  return { el, stop: () => stop() };
}

// Models: the trained GAN models, and one model's loss curves (inline
// SVG), dataset fingerprint, hyperparameters and source job.
import { h, s, replace, timeEl, fmtNum, kv, errorBox, json } from './dom.js';
import { get } from './api.js';
import { reportFrame } from './job.js';

export function modelsPage() {
  const tbody = h('tbody', {}, h('tr', {}, h('td', { colspan: 6 }, 'Loading…')));
  const el = h('div', {}, h('h1', {}, 'Models'),
    h('p', { class: 'muted' }, 'GAN models stored by wgan-gp and stftsynth jobs (save_model), newest first. A job reuses one with the generator parameter model.'),
    h('div', { class: 'table-wrap' }, h('table', { testid: 'models-table' },
      h('thead', {}, h('tr', {}, ['Model', 'Generator', 'Classes', 'Steps', 'Created', 'Source job'].map((c, i) => h('th', { scope: 'col', class: i >= 4 ? 'hide-narrow' : null }, c)))),
      tbody)));
  get('/v1/models').then((d) => {
    replace(tbody, d.models.length === 0 ? h('tr', {}, h('td', { colspan: 6, class: 'muted', testid: 'models-empty' }, 'No models yet: a wgan-gp or stftsynth job stores one.')) : null,
      d.models.map((m) => h('tr', { testid: 'model-row', 'data-model-id': m.id },
        h('td', {}, h('a', { href: `#/models/${m.id}`, class: 'mono' }, m.id)),
        h('td', {}, `${m.generator} (${m.kind})`),
        h('td', {}, (m.classes || []).join(', ')),
        h('td', { class: 'num' }, m.training?.steps ?? ''),
        h('td', { class: 'small hide-narrow' }, timeEl(m.created_at)),
        h('td', { class: 'hide-narrow' }, m.source_job ? h('a', { href: `#/jobs/${m.source_job}`, class: 'mono' }, m.source_job) : ''))));
  }).catch((err) => replace(tbody, h('tr', {}, h('td', { colspan: 6 }, errorBox(err)))));
  return { el };
}

const series = [
  ['critic_loss', 'critic loss', '#0b5cad'],
  ['generator_loss', 'generator loss', '#c2410c'],
  ['wasserstein', 'Wasserstein estimate', '#15803d'],
];

// lossCurve draws the history's series against the step.
export function lossCurve(history) {
  const W = 720;
  const H = 300;
  const m = { l: 56, r: 12, t: 12, b: 34 };
  if (!history || history.length === 0) return h('p', { class: 'muted' }, 'No loss history.');
  const xs = history.map((p) => p.step);
  const ys = history.flatMap((p) => series.map(([k]) => p[k]).filter((v) => Number.isFinite(v)));
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs, x0 + 1);
  let y0 = Math.min(...ys);
  let y1 = Math.max(...ys);
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  const X = (v) => m.l + ((v - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (v) => H - m.b - ((v - y0) / (y1 - y0)) * (H - m.t - m.b);
  const ticks = (a, b, n) => Array.from({ length: n + 1 }, (_, i) => a + ((b - a) * i) / n);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': 'loss-title', testid: 'loss-curve' },
    s('title', { id: 'loss-title' }, `Losses over ${history.length} points, steps ${x0} to ${x1}`),
    ticks(y0, y1, 4).map((v) => [s('line', { x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v), stroke: '#e5e7eb' }),
      s('text', { x: m.l - 6, y: Y(v) + 4, 'text-anchor': 'end' }, fmtNum(v, 2))]),
    ticks(x0, x1, 4).map((v) => s('text', { x: X(v), y: H - m.b + 16, 'text-anchor': 'middle' }, String(Math.round(v)))),
    s('text', { x: (W + m.l) / 2, y: H - 4, 'text-anchor': 'middle' }, 'step'),
    s('line', { x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, stroke: '#57606a' }),
    s('line', { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, stroke: '#57606a' }),
    series.map(([k, , color]) => s('polyline', { fill: 'none', stroke: color, 'stroke-width': 2, 'data-series': k,
      points: history.filter((p) => Number.isFinite(p[k])).map((p) => `${X(p.step).toFixed(1)},${Y(p[k]).toFixed(1)}`).join(' ') })));
  return h('figure', {}, svg,
    h('figcaption', {}, h('ul', { class: 'legend' }, series.map(([, label, color]) => h('li', {}, s('svg', { width: 18, height: 6, class: 'swatch', 'aria-hidden': 'true' }, s('rect', { width: 18, height: 6, fill: color })), ' ', label)))));
}

function table(obj, testid) {
  if (!obj) return null;
  return kv(Object.entries(obj).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]), testid);
}

// findSourceJob looks for the job that trained m when the model does not
// name it: the latest succeeded jobs of its generator whose report.json
// says it trained this model.
async function findSourceJob(m) {
  const data = await get('/v1/jobs?state=succeeded&limit=200');
  const made = Date.parse(m.created_at);
  const candidates = data.jobs
    .filter((j) => j.request?.generator === m.generator && Date.parse(j.created_at) <= made && (!j.finished_at || Date.parse(j.finished_at) >= made))
    .slice(0, 10);
  for (const j of candidates) {
    try {
      const r = await get(`/v1/jobs/${encodeURIComponent(j.id)}/files/report.json`);
      if (r?.generator_report?.model === m.id && r.generator_report.model_source === 'trained') return j.id;
    } catch { /* no report: not this one */ }
  }
  return '';
}

// sourceSection shows the training job's pictures (the sample grid and
// loss curve it wrote) and its report.
function sourceSection(jobID, found) {
  const base = `/v1/jobs/${encodeURIComponent(jobID)}/files`;
  return h('section', { testid: 'model-source' },
    h('h2', {}, 'Samples'),
    h('p', {}, 'From the job that trained the model, ', h('a', { href: `#/jobs/${jobID}`, testid: 'model-source-job', class: 'mono' }, jobID),
      found ? h('span', { class: 'muted small' }, ' (found by its report.json: the model does not name it)') : null, '.'),
    h('div', { class: 'cards' },
      h('figure', { class: 'card' }, h('img', { src: `${base}/__report/samples_grid.png`, alt: 'sample grid: real beside synthetic, per class', testid: 'model-samples', class: 'grid-img' }),
        h('figcaption', { class: 'small' }, 'Sample grid')),
      h('figure', { class: 'card' }, h('img', { src: `${base}/__report/loss_curve.png`, alt: 'loss curve as the job drew it', class: 'grid-img' }),
        h('figcaption', { class: 'small' }, 'Loss curve (the job\'s picture)'))),
    reportFrame(`${base}/report.html`, `Report of the job that trained the model`));
}

export function modelPage(id) {
  const body = h('div', {}, h('p', {}, 'Loading…'));
  get(`/v1/models/${encodeURIComponent(id)}`).then((m) => {
    const t = m.training || {};
    const source = h('div', {}, h('p', { class: 'muted' }, 'Looking for the job that trained it…'));
    replace(body,
      h('div', { class: 'cards' },
        h('div', { class: 'card' }, h('h2', {}, 'Model'), kv([
          ['generator', `${m.generator} (${m.kind})`], ['created', timeEl(m.created_at)], ['classes', (m.classes || []).join(', ')],
          ['training counts', Object.entries(m.training_counts || {}).map(([c, n]) => `${c}: ${n}`).join(', ')],
          ['dataset fingerprint', h('code', { testid: 'model-fingerprint', class: 'path' }, m.dataset_fingerprint)],
          ['versions', `tailsynth ${m.tailsynth_version}, gorgonia ${m.gorgonia_version}, ${m.blas}`],
          ['checkpoint', m.checkpoint ? `${m.checkpoint.key} (${m.checkpoint.bytes} bytes)` : '']])),
        h('div', { class: 'card' }, h('h2', {}, 'Training'), kv([
          ['steps', String(t.steps ?? '')], ['seconds', t.seconds !== undefined ? fmtNum(t.seconds, 1) : ''], ['stopped by', t.stop],
          ...Object.entries(t.final || {}).map(([k, v]) => [`final ${k}`, fmtNum(v, 4)])], 'model-training'))),
      h('h2', {}, 'Loss curves'), lossCurve(t.history),
      h('h2', {}, 'Hyperparameters'), table(m.hyperparameters, 'model-hyperparameters'),
      h('h2', {}, 'Architecture'), table(m.architecture, 'model-architecture'),
      h('h2', {}, 'Input'), table(m.input),
      h('details', {}, h('summary', {}, 'Training job parameters (JSON)'), h('pre', {}, json(m.params))),
      source);
    if (m.source_job) replace(source, sourceSection(m.source_job, false));
    else {
      findSourceJob(m).then((j) => replace(source, j ? sourceSection(j, true) : h('p', { class: 'muted', testid: 'model-source-unknown' }, 'The job that trained this model is not among the latest 200 succeeded jobs.')))
        .catch((err) => replace(source, errorBox(err)));
    }
  }).catch((err) => replace(body, errorBox(err)));
  return { el: h('div', {}, h('h1', {}, 'Model ', h('code', {}, id)), body) };
}

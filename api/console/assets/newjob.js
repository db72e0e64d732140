// New job: a dataset (registered or a location), a generator with its
// parameter form built from GET /v1/generators (defaults shown), a
// strategy, and a live plan preview (POST /v1/plan) before submitting.
import { h, replace, field, errorBox, showError, table } from './dom.js';
import { get, post } from './api.js';

let generatorsCache = null;

export async function generators() {
  if (!generatorsCache) generatorsCache = get('/v1/generators');
  try { return await generatorsCache; } catch (err) { generatorsCache = null; throw err; }
}

// datasetFields: a select of the registered datasets and a location
// field; value() is the one given (the location wins when both are).
export function datasetFields(prefix, onChange) {
  const select = h('select', { id: `${prefix}-dataset-select`, testid: 'dataset-select' }, h('option', { value: '' }, '— none —'));
  const location = h('input', { type: 'text', id: `${prefix}-dataset-location`, testid: 'dataset-location', placeholder: 's3://bucket/prefix or /abs/path', autocomplete: 'off' });
  const manifest = h('input', { type: 'text', id: `${prefix}-manifest`, testid: 'manifest', placeholder: 'manifest.csv (optional)', autocomplete: 'off' });
  const label = h('input', { type: 'text', id: `${prefix}-label-column`, testid: 'label-column', placeholder: 'e.g. is_fraud', autocomplete: 'off' });
  get('/v1/datasets').then((d) => {
    for (const ds of d.datasets) select.append(h('option', { value: ds.name }, `${ds.name} — ${ds.location}`));
  }).catch(() => {});
  for (const c of [select, location, manifest, label]) { c.addEventListener('change', onChange); c.addEventListener('input', onChange); }
  return {
    el: h('fieldset', {}, h('legend', {}, 'Dataset'),
      field('Registered dataset', select),
      field('or a location', location, 'a folder of class folders, a manifest, or a table (s3://…, file:///…, /abs/path)'),
      field('Manifest', manifest, 'optional: a CSV or JSONL key relative to the dataset'),
      field('Label column', label, 'tables only (CSV or Parquet): the column that holds each row\'s class')),
    value: () => location.value.trim() || select.value,
    // extra is the dataset's other fields of a request: manifest and
    // label_column, when given.
    extra() {
      const e = {};
      if (manifest.value.trim()) e.manifest = manifest.value.trim();
      if (label.value.trim()) e.label_column = label.value.trim();
      return e;
    },
    set(ds) { location.value = ds || ''; },
  };
}

const modes = ['auto', 'not majority', 'minority', 'not minority', 'all'];

// strategyFields: a mode and, for ratio, counts and add, a value.
export function strategyFields(prefix, onChange) {
  const mode = h('select', { id: `${prefix}-strategy-mode`, testid: 'strategy-mode' },
    modes.map((m) => h('option', { value: m }, m)),
    h('option', { value: 'ratio' }, 'ratio (two classes)'),
    h('option', { value: 'counts' }, 'final counts per class'),
    h('option', { value: 'add' }, 'samples to add per class'));
  const value = h('input', { type: 'text', id: `${prefix}-strategy-value`, testid: 'strategy-value', placeholder: 'rare=100, other=50', autocomplete: 'off', disabled: true });
  const sync = () => {
    value.disabled = modes.includes(mode.value);
    value.placeholder = mode.value === 'ratio' ? '0.5' : 'rare=100, other=50';
  };
  mode.addEventListener('change', () => { sync(); onChange(); });
  value.addEventListener('input', onChange);
  return {
    el: h('fieldset', {}, h('legend', {}, 'Strategy'),
      field('Which classes get samples', mode, 'imbalanced-learn\'s sampling_strategy meanings'),
      field('Value', value, 'ratio: a number in (0, 1]; counts and add: class=N pairs, comma-separated')),
    // value() returns the strategy, or throws an Error saying what is wrong.
    value() {
      if (modes.includes(mode.value)) return mode.value;
      const v = value.value.trim();
      if (mode.value === 'ratio') {
        const x = Number(v);
        if (!v || !(x > 0 && x <= 1)) throw new Error(`strategy ratio "${v}": give a number above 0 and at most 1`);
        return x;
      }
      const counts = {};
      for (const part of v.split(',').map((p) => p.trim()).filter(Boolean)) {
        const m = part.match(/^(.+?)\s*[=:]\s*(\d+)$/);
        if (!m) throw new Error(`strategy ${mode.value} "${part}": write class=N, e.g. rare=100`);
        counts[m[1].trim()] = Number(m[2]);
      }
      if (Object.keys(counts).length === 0) throw new Error(`strategy ${mode.value}: name at least one class, e.g. rare=100`);
      return { [mode.value]: counts };
    },
  };
}

function defaultText(p) {
  if (p.default === undefined) return '';
  return typeof p.default === 'string' ? p.default : JSON.stringify(p.default);
}

// paramForm builds one control per parameter of g; values() returns only
// the parameters the user set, parsed by type, or throws saying which is
// wrong.
export function paramForm(g) {
  const controls = [];
  const el = h('div', { class: 'params', testid: 'param-form' });
  for (const p of g.params || []) {
    let control;
    const id = `param-${g.name}-${p.name}`;
    if (p.type === 'boolean') {
      control = h('select', { id, 'data-param': p.name },
        h('option', { value: '' }, `default (${defaultText(p) || 'unset'})`), h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'));
    } else {
      const numeric = p.type === 'integer' || p.type === 'number';
      control = h('input', { id, 'data-param': p.name, type: numeric ? 'number' : 'text', step: p.type === 'number' ? 'any' : null,
        placeholder: defaultText(p), autocomplete: 'off' });
    }
    controls.push([p, control]);
    el.append(h('div', { class: 'field', testid: 'param-field', 'data-param': p.name },
      h('label', { for: id }, p.name, ' ', h('span', { class: 'muted small' }, `(${p.type})`),
        h('span', { class: 'hint' }, p.description, /[.!?)]$/.test(p.description || '') ? '' : '.', p.default !== undefined ? h('span', { testid: 'param-default' }, ` Default: ${defaultText(p)}.`) : null)),
      control));
  }
  if ((g.params || []).length === 0) el.append(h('p', { class: 'muted' }, 'This generator has no parameters.'));
  return {
    el,
    values() {
      const out = {};
      for (const [p, c] of controls) {
        const v = c.value.trim();
        if (v === '') continue;
        if (p.type === 'boolean') out[p.name] = v === 'true';
        else if (p.type === 'integer') {
          if (!/^-?\d+$/.test(v)) throw new Error(`parameter ${p.name}: "${v}" is not an integer`);
          out[p.name] = Number(v);
        } else if (p.type === 'number') {
          if (Number.isNaN(Number(v))) throw new Error(`parameter ${p.name}: "${v}" is not a number`);
          out[p.name] = Number(v);
        } else if (p.type === 'string') out[p.name] = v;
        else {
          // arrays, objects and "integer or string": JSON when it parses.
          try { out[p.name] = JSON.parse(v); } catch { out[p.name] = v; }
        }
      }
      return out;
    },
  };
}

// generatorFields: a select of the generators and the chosen one's form.
export function generatorFields(prefix, gens, initial) {
  const select = h('select', { id: `${prefix}-generator`, testid: 'generator-select' },
    gens.map((g) => h('option', { value: g.name }, `${g.name}${g.heavy ? ' (GAN training)' : ''}`)));
  const desc = h('p', { class: 'small muted', testid: 'generator-description' });
  const holder = h('div');
  let form = null;
  const show = () => {
    const g = gens.find((x) => x.name === select.value);
    replace(desc, g ? `${g.description} (reads: ${(g.kinds || []).join(', ')})` : '');
    form = g ? paramForm(g) : null;
    replace(holder, form ? form.el : null);
  };
  select.value = initial && gens.some((g) => g.name === initial) ? initial : (gens.find((g) => g.name === 'augment') || gens[0] || {}).name;
  select.addEventListener('change', show);
  show();
  return {
    el: h('fieldset', {}, h('legend', {}, 'Generator'), field('Generator', select), desc,
      h('details', { open: true, testid: 'params' }, h('summary', {}, 'Parameters (empty fields use the default)'), holder)),
    name: () => select.value,
    params: () => (form ? form.values() : {}),
    select,
  };
}

function planView(plan) {
  const classes = Object.keys(plan.before || {}).sort();
  return h('div', { testid: 'plan' },
    table('plan-table', [h('th', { scope: 'col' }, 'Class'), h('th', { scope: 'col', class: 'num' }, 'Before'), h('th', { scope: 'col', class: 'num' }, 'Add'),
      h('th', { scope: 'col', class: 'num' }, 'After'), h('th', { scope: 'col', class: 'num' }, 'Readable')],
    classes.map((c) => h('tr', { testid: 'plan-row', 'data-class': c }, h('td', {}, c), h('td', { class: 'num' }, plan.before[c]),
      h('td', { class: 'num', testid: 'plan-add' }, plan.add?.[c] ?? 0), h('td', { class: 'num' }, plan.after?.[c] ?? ''),
      h('td', { class: 'num' }, plan.readable?.[c] ?? '')))),
    h('p', {}, 'Samples to generate: ', h('strong', { testid: 'plan-total' }, String(plan.total)),
      plan.leakage_guard ? ' · the dataset has splits: the training split only is counted and used' : ''),
    (plan.unreadable || []).length ? h('div', { class: 'alert amber' }, h('p', {}, `${plan.unreadable.length} training files cannot be read; generators skip them:`),
      h('ul', {}, plan.unreadable.slice(0, 20).map((p) => h('li', {}, h('code', {}, p.key), ': ', p.reason)))) : null);
}

export function newJobPage() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const preview = h('section', { testid: 'plan-preview', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Choose a dataset to see the plan.'));
  let timer = 0;
  let seq = 0;
  let ds = null;
  let st = null;
  const planNow = async () => {
    const dataset = ds.value();
    if (!dataset) { replace(preview, h('h2', {}, 'Plan'), h('p', { class: 'muted' }, 'Choose a dataset to see the plan.')); return; }
    let strategy;
    try { strategy = st.value(); } catch (err) { replace(preview, h('h2', {}, 'Plan'), errorBox(err, 'plan-error')); return; }
    const mine = ++seq;
    replace(preview, h('h2', {}, 'Plan'), h('p', { class: 'muted' }, 'Planning…'));
    try {
      const body = { dataset, strategy, ...ds.extra() };
      const plan = await post('/v1/plan', body);
      if (mine === seq) {
        replace(preview, h('h2', {}, 'Plan'), planView(plan));
        showError(getErr(), null); // an earlier refusal no longer holds
      }
    } catch (err) {
      if (mine === seq) replace(preview, h('h2', {}, 'Plan'), errorBox(err, 'plan-error'));
    }
  };
  const schedule = () => { clearTimeout(timer); timer = setTimeout(planNow, 350); };
  ds = datasetFields('job', schedule);
  st = strategyFields('job', schedule);
  if (params.get('dataset')) { ds.set(params.get('dataset')); schedule(); }

  const seed = h('input', { type: 'number', id: 'job-seed', testid: 'seed', placeholder: 'random (recorded)' });
  const output = h('input', { type: 'text', id: 'job-output', testid: 'output', placeholder: 'the server\'s default output' });
  const quality = h('select', { id: 'job-quality', testid: 'quality' }, h('option', { value: '' }, 'auto (measure the samples)'), h('option', { value: 'off' }, 'off'));
  const genHolder = h('div', {}, h('p', {}, 'Loading the generators…'));
  let gen = null;
  const submit = h('button', { type: 'submit', class: 'primary', testid: 'submit-job' }, 'Submit job');
  const getErr = () => el.querySelector('[data-testid="error"]');

  generators().then((g) => {
    gen = generatorFields('job', g.generators, params.get('generator'));
    replace(genHolder, gen.el);
  }).catch((err) => replace(genHolder, errorBox(err)));

  const el = h('div', {},
    h('h1', {}, 'New job'),
    h('form', { testid: 'new-job-form', novalidate: true, onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        if (!gen) throw new Error('the generators are not loaded yet');
        const body = { dataset: ds.value(), generator: gen.name(), strategy: st.value() };
        if (!body.dataset) throw new Error('choose a registered dataset or give a location');
        const p = gen.params();
        if (Object.keys(p).length) body.params = p;
        Object.assign(body, ds.extra());
        if (seed.value.trim()) body.seed = Number(seed.value);
        if (output.value.trim()) body.output = output.value.trim();
        if (quality.value) body.quality = quality.value;
        submit.disabled = true;
        const resp = await post('/v1/jobs', body);
        location.hash = `#/jobs/${resp.job.id}`;
      } catch (err) {
        showError(getErr(), err);
        submit.disabled = false;
        getErr().scrollIntoView({ block: 'nearest' });
      }
    } },
    h('div', { class: 'split' },
      h('div', {}, ds.el, genHolder, st.el,
        h('fieldset', {}, h('legend', {}, 'Options'),
          field('Seed', seed, 'the same seed and inputs give the same samples'),
          field('Output', output, 'a location; the job writes <output>/<job id>/'),
          field('Quality report', quality))),
      // The button above the plan, which changes height as it updates:
      // it never moves under the pointer.
      h('aside', { class: 'side' }, h('p', {}, submit), errorBox(null), preview))));
  return { el, stop: () => clearTimeout(timer) };
}

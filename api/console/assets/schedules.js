// Schedules: the list with next and last runs, create and delete.
import { h, replace, timeEl, short, errorBox, showError, field, strategyText } from './dom.js';
import { get, post, del } from './api.js';
import { datasetFields, strategyFields, generators, generatorFields } from './newjob.js';

export function schedulesPage() {
  const tbody = h('tbody', {}, h('tr', {}, h('td', { colspan: 9 }, 'Loading…')));
  const getErr = () => el.querySelector('[data-testid="error"]');

  const load = async () => {
    try {
      const d = await get('/v1/schedules');
      replace(tbody, d.schedules.length === 0 ? h('tr', {}, h('td', { colspan: 9, class: 'muted', testid: 'schedules-empty' }, 'No schedules.')) : null,
        d.schedules.map((sc) => {
          const delBtn = h('button', { type: 'button', class: 'danger', testid: 'delete-schedule', 'aria-label': `Delete schedule ${sc.name}` }, 'Delete');
          delBtn.addEventListener('click', async () => {
            if (delBtn.dataset.confirm !== '1') { delBtn.dataset.confirm = '1'; delBtn.textContent = 'Confirm delete'; return; }
            delBtn.disabled = true;
            try { await del(`/v1/schedules/${encodeURIComponent(sc.id)}`); load(); } catch (err) { showError(getErr(), err); delBtn.disabled = false; }
          });
          return h('tr', { testid: 'schedule-row', 'data-schedule-id': sc.id, 'data-name': sc.name },
            h('td', {}, sc.name), h('td', {}, h('code', {}, sc.cron)),
            h('td', {}, sc.template?.generator), h('td', { class: 'hide-narrow' }, short(sc.template?.dataset, 30)),
            h('td', { class: 'small hide-narrow' }, strategyText(sc.template?.strategy)),
            h('td', { class: 'small', testid: 'schedule-next' }, timeEl(sc.next_run_at)),
            h('td', { class: 'small' }, sc.last_run_at ? timeEl(sc.last_run_at) : h('span', { class: 'muted' }, 'never'),
              sc.last_job_id ? [' ', h('a', { href: `#/jobs/${sc.last_job_id}`, class: 'mono' }, sc.last_job_id)] : null,
              sc.last_skip_reason ? h('div', { class: 'muted' }, `skipped: ${sc.last_skip_reason}`) : null),
            h('td', { class: 'small hide-narrow' }, [sc.only_if_changed ? 'only if changed' : '', sc.overlap ? 'overlap' : ''].filter(Boolean).join(', ')),
            h('td', {}, delBtn));
        }));
    } catch (err) { showError(getErr(), err); }
  };

  const name = h('input', { type: 'text', id: 'schedule-name', testid: 'schedule-name', autocomplete: 'off' });
  const cron = h('input', { type: 'text', id: 'schedule-cron', testid: 'schedule-cron', placeholder: '0 3 * * *', required: true, autocomplete: 'off' });
  const seed = h('input', { type: 'number', id: 'schedule-seed', testid: 'schedule-seed', value: String(1 + Math.floor(Math.random() * 1e9)), required: true });
  const output = h('input', { type: 'text', id: 'schedule-output', placeholder: 'the server\'s default output' });
  const onlyIfChanged = h('input', { type: 'checkbox', id: 'schedule-only-if-changed', testid: 'schedule-only-if-changed' });
  const overlap = h('input', { type: 'checkbox', id: 'schedule-overlap' });
  const ds = datasetFields('schedule', () => {});
  const st = strategyFields('schedule', () => {});
  const genHolder = h('div', {}, 'Loading the generators…');
  let gen = null;
  generators().then((g) => { gen = generatorFields('schedule', g.generators); replace(genHolder, gen.el); }).catch((err) => replace(genHolder, errorBox(err)));

  const form = h('form', { testid: 'schedule-form', onsubmit: async (ev) => {
    ev.preventDefault();
    const errEl = form.querySelector('[data-testid="error"]');
    try {
      if (!gen) throw new Error('the generators are not loaded yet');
      const job = { dataset: ds.value(), generator: gen.name(), strategy: st.value(), seed: Number(seed.value) };
      if (!job.dataset) throw new Error('choose a registered dataset or give a location');
      if (!seed.value.trim()) throw new Error('a schedule needs a seed, so that every run is reproducible');
      const p = gen.params();
      if (Object.keys(p).length) job.params = p;
      Object.assign(job, ds.extra());
      if (output.value.trim()) job.output = output.value.trim();
      const body = { cron: cron.value.trim(), job, only_if_changed: onlyIfChanged.checked, overlap: overlap.checked };
      if (name.value.trim()) body.name = name.value.trim();
      await post('/v1/schedules', body);
      showError(errEl, null);
      form.reset();
      seed.value = String(1 + Math.floor(Math.random() * 1e9));
      load();
    } catch (err) { showError(errEl, err); }
  } },
  h('fieldset', {}, h('legend', {}, 'Schedule'),
    field('Name', name, 'default: the schedule\'s ID'),
    field('Cron', cron, '5 fields in UTC (minute hour day month weekday) or @hourly, @daily, @weekly, @every 6h'),
    h('label', { class: 'check', for: onlyIfChanged.id }, onlyIfChanged, 'Only if the dataset changed since the last run'),
    h('label', { class: 'check', for: overlap.id }, overlap, 'Start a run even while the previous one is unfinished')),
  ds.el, genHolder, st.el,
  h('fieldset', {}, h('legend', {}, 'Options'), field('Seed', seed, 'required: every run uses it'), field('Output', output)),
  errorBox(null),
  h('p', {}, h('button', { type: 'submit', class: 'primary', testid: 'create-schedule' }, 'Create the schedule')));

  const el = h('div', {}, h('h1', {}, 'Schedules'), errorBox(null),
    h('div', { class: 'table-wrap' }, h('table', { testid: 'schedules-table' },
      h('thead', {}, h('tr', {}, ['Name', 'Cron', 'Generator', 'Dataset', 'Strategy', 'Next run', 'Last run', 'Options', ''].map((c, i) =>
        h('th', { scope: 'col', class: [3, 4, 7].includes(i) ? 'hide-narrow' : null }, c)))),
      tbody)),
    h('details', { testid: 'new-schedule' }, h('summary', {}, h('strong', {}, 'Create a schedule')), form));
  load();
  return { el };
}

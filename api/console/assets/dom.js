// Small DOM helpers: h builds elements, formatters turn API values into text.

const props = new Set(['value', 'checked', 'selected', 'disabled', 'hidden', 'open']);

// h(tag, attrs, ...children) makes an element. attrs: onX adds a listener,
// testid sets data-testid, value/checked/disabled/... set properties, the
// rest are attributes (null, undefined and false leave one out).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

// s is h for SVG elements.
export function s(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'testid') el.dataset.testid = v;
    else if (props.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// replace swaps el's children for children.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let ids = 0;
export function uid(prefix) { return `${prefix}-${++ids}`; }

// field is a labelled control: the label names it, hint describes it.
export function field(labelText, control, hint, testid) {
  if (!control.id) control.id = uid('f');
  return h('div', { class: 'field', testid },
    h('label', { for: control.id }, labelText, hint ? h('span', { class: 'hint' }, hint) : null),
    control);
}

export function table(testid, headers, rows, caption) {
  return h('div', { class: 'table-wrap' },
    h('table', { testid },
      caption ? h('caption', { class: 'muted small' }, caption) : null,
      h('thead', {}, h('tr', {}, headers.map((c) => (c instanceof Node ? c : h('th', { scope: 'col' }, c))))),
      h('tbody', {}, rows)));
}

export function badge(state) {
  return h('span', { class: `badge state-${state}`, testid: 'state' }, state);
}

export const terminal = (state) => state === 'succeeded' || state === 'failed' || state === 'cancelled';

export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function timeEl(iso) {
  return iso ? h('time', { datetime: iso, title: iso }, fmtTime(iso)) : '';
}

export function fmtBytes(n) {
  if (n === undefined || n === null) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

export function fmtNum(x, digits = 3) {
  if (x === undefined || x === null || Number.isNaN(x)) return '';
  return Number(x).toFixed(digits);
}

// fmtStat is "mean ± std" of a {mean, std, n}.
export function fmtStat(st) {
  if (!st || st.n === 0) return '';
  return st.n > 1 ? `${fmtNum(st.mean)} ± ${fmtNum(st.std)}` : fmtNum(st.mean);
}

export function fmtLift(st) {
  if (!st || st.n === 0) return '';
  const sign = st.mean > 0 ? '+' : '';
  return st.n > 1 ? `${sign}${fmtNum(st.mean)} ± ${fmtNum(st.std)}` : `${sign}${fmtNum(st.mean)}`;
}

export function fmtSeconds(x) {
  if (x === undefined || x === null) return '';
  if (x < 60) return `${x.toFixed(1)} s`;
  const m = Math.floor(x / 60);
  return `${m} min ${Math.round(x - m * 60)} s`;
}

// short trims a long location for a table cell; the title keeps it whole.
export function short(text, n = 40) {
  if (!text) return '';
  if (text.length <= n) return text;
  return h('span', { title: text }, '…' + text.slice(text.length - n + 1));
}

export function json(v) {
  return JSON.stringify(v, null, 2);
}

export function kv(pairs, testid) {
  return h('dl', { class: 'kv', testid }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

// jobCounts is the samples done and to do over a job's classes.
export function jobCounts(job) {
  let done = 0;
  let total = 0;
  for (const c of Object.values(job.progress?.classes || {})) { done += c.done; total += c.total; }
  return { done, total };
}

export function strategyText(s) {
  if (s === undefined || s === null) return 'auto';
  return typeof s === 'object' ? JSON.stringify(s) : String(s);
}

// errorBox shows an error plainly: the server's message, its code, and
// the details it sent (a request ID, the job's state...).
export function errorBox(err, testid = 'error') {
  if (!err) return h('div', { testid, role: 'alert', hidden: true });
  const details = err.details && Object.keys(err.details).length ? h('p', { class: 'small' }, 'Details: ', h('code', {}, JSON.stringify(err.details))) : null;
  return h('div', { class: 'alert error', role: 'alert', testid },
    h('p', {}, h('strong', {}, err.status ? `Error ${err.status}${err.code ? ` (${err.code})` : ''}: ` : 'Error: '), err.message),
    details);
}

// showError puts err into the error box el (or empties it with null).
export function showError(el, err) {
  const box = errorBox(err, el.dataset.testid || 'error');
  el.replaceWith(box);
  return box;
}

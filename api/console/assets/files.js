// A file browser of a job's (or evaluation's) output: folders from the
// keys, pages of GET {base}?prefix=&after=, previews of pictures and text,
// and download links (the session cookie authenticates them).
import { h, replace, fmtBytes, timeEl, errorBox, showError, field } from './dom.js';
import { get, fileURL, headers } from './api.js';

const textTypes = /^(text\/|application\/(json|x-ndjson|jsonl|csv|xml|yaml))/;
const previewBytes = 65536;

// fileBrowser returns the browser's element; base is /v1/jobs/{id}/files
// or /v1/evaluations/{id}/files. setPrefix(p) shows another folder.
export function fileBrowser(base, startPrefix = '') {
  let prefix = startPrefix;
  let after = '';
  let entries = [];
  const prefixInput = h('input', { type: 'text', testid: 'files-prefix', placeholder: 'e.g. data/rare/', value: prefix });
  const tbody = h('tbody');
  const crumbs = h('p', { testid: 'files-path', class: 'path' });
  const more = h('button', { type: 'button', testid: 'files-more', hidden: true, onclick: () => load(true) }, 'More files');
  const pane = h('div', { class: 'preview', testid: 'file-preview', 'aria-live': 'polite' });
  const getErr = () => el.querySelector('[data-testid="files-error"]');

  const go = (p) => { prefix = p; prefixInput.value = p; load(false); };

  const preview = async (f) => {
    const url = fileURL(base, f.path);
    if ((f.content_type || '').startsWith('image/')) {
      const img = h('img', { src: url, alt: `preview of ${f.path}`, testid: 'preview-image' });
      replace(pane, h('h3', {}, f.path), img);
      return;
    }
    if (textTypes.test(f.content_type || '') || /\.(json|jsonl|csv|txt|md|yaml|yml)$/.test(f.path)) {
      try {
        const resp = await fetch(url, { headers: headers({ Range: `bytes=0-${previewBytes - 1}` }), credentials: 'same-origin' });
        if (!resp.ok && resp.status !== 206) throw new Error(`HTTP ${resp.status}`);
        let text = await resp.text();
        if (f.size > previewBytes) text += `\n… (${fmtBytes(f.size)} in all; download it to see the rest)`;
        replace(pane, h('h3', {}, f.path), h('pre', { testid: 'preview-text' }, text));
      } catch (err) {
        replace(pane, errorBox(err));
      }
      return;
    }
    replace(pane, h('p', { class: 'muted' }, `No preview of ${f.content_type || 'this type'}; download it.`));
  };

  const render = () => {
    replace(tbody);
    const dirs = new Map();
    const files = [];
    for (const f of entries) {
      const rest = f.path.slice(prefix.length);
      const i = rest.indexOf('/');
      if (i >= 0) {
        const d = rest.slice(0, i + 1);
        const cur = dirs.get(d) || { n: 0, size: 0 };
        cur.n++; cur.size += f.size;
        dirs.set(d, cur);
      } else files.push(f);
    }
    if (prefix) {
      const up = prefix.slice(0, prefix.slice(0, -1).lastIndexOf('/') + 1);
      tbody.append(h('tr', {}, h('td', { colspan: 5 }, h('button', { type: 'button', testid: 'files-up', onclick: () => go(up) }, '↑ Up to ', up || 'the top'))));
    }
    for (const [d, info] of dirs) {
      tbody.append(h('tr', { testid: 'dir-row', 'data-path': prefix + d },
        h('td', {}, h('button', { type: 'button', class: 'mono', testid: 'open-dir', onclick: () => go(prefix + d) }, '📁 ', d)),
        h('td', { class: 'num' }, `${info.n}${more.hidden ? '' : '+'} files`), h('td', {}, ''), h('td', { class: 'hide-narrow' }, ''), h('td', {}, '')));
    }
    for (const f of files) {
      const name = f.path.slice(prefix.length);
      tbody.append(h('tr', { testid: 'file-row', 'data-path': f.path },
        h('td', { class: 'mono path' }, name),
        h('td', { class: 'num' }, fmtBytes(f.size)),
        h('td', { class: 'small' }, f.content_type || ''),
        h('td', { class: 'small hide-narrow' }, timeEl(f.mod_time)),
        h('td', {},
          h('button', { type: 'button', testid: 'file-preview-button', 'aria-label': `Preview ${f.path}`, onclick: () => preview(f) }, 'Preview'), ' ',
          h('a', { class: 'button', href: fileURL(base, f.path, true), download: name.split('/').pop(), testid: 'file-download', 'aria-label': `Download ${f.path}` }, 'Download'))));
    }
    if (entries.length === 0) tbody.append(h('tr', {}, h('td', { colspan: 5, class: 'muted', testid: 'files-empty' }, prefix ? `No files under ${prefix}` : 'No files yet')));
    replace(crumbs, 'Folder: ', h('code', {}, '/' + prefix));
  };

  const load = async (more$) => {
    if (!more$) { entries = []; after = ''; }
    const q = new URLSearchParams({ limit: '200' });
    if (prefix) q.set('prefix', prefix);
    if (after) q.set('after', after);
    try {
      const data = await get(`${base}?${q}`);
      showError(getErr(), null);
      entries = entries.concat(data.files || []);
      after = data.next_after || '';
      more.hidden = !after;
      render();
    } catch (err) {
      showError(getErr(), err);
    }
  };

  const el = h('section', { testid: 'files' },
    h('h2', {}, 'Files'),
    h('form', { class: 'row', onsubmit: (ev) => { ev.preventDefault(); go(prefixInput.value.trim()); } },
      field('Folder or prefix', prefixInput),
      h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Show')),
      h('div', { class: 'field' }, h('button', { type: 'button', onclick: () => load(false) }, 'Refresh'))),
    errorBox(null, 'files-error'),
    crumbs,
    h('div', { class: 'table-wrap' }, h('table', { testid: 'files-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col', class: 'num' }, 'Size'), h('th', { scope: 'col' }, 'Type'),
        h('th', { scope: 'col', class: 'hide-narrow' }, 'Modified'), h('th', { scope: 'col' }, 'Actions'))),
      tbody)),
    h('p', {}, more),
    pane);
  load(false);
  el.setPrefix = go;
  return el;
}

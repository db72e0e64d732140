// The console's entry point: the login box, the navigation and the hash
// router (#/jobs, #/jobs/{id}, #/new, #/evaluations, #/evaluations/{id},
// #/models, #/models/{id}, #/schedules).
import { h, replace, errorBox } from './dom.js';
import { session, sessionInfo, login, logout } from './api.js';
import { jobsPage } from './jobs.js';
import { jobPage } from './job.js';
import { newJobPage } from './newjob.js';
import { evaluationsPage, evaluationPage } from './evaluations.js';
import { modelsPage, modelPage } from './models.js';
import { schedulesPage } from './schedules.js';

const view = document.getElementById('view');
let cleanup = () => {};
let needLogin = false;

const routes = [
  [/^\/jobs\/([^/]+)$/, 'jobs', (m) => jobPage(m[1])],
  [/^\/jobs$/, 'jobs', () => jobsPage()],
  [/^\/new$/, 'new', () => newJobPage()],
  [/^\/evaluations\/([^/]+)$/, 'evaluations', (m) => evaluationPage(m[1])],
  [/^\/evaluations$/, 'evaluations', () => evaluationsPage()],
  [/^\/models\/([^/]+)$/, 'models', (m) => modelPage(m[1])],
  [/^\/models$/, 'models', () => modelsPage()],
  [/^\/schedules$/, 'schedules', () => schedulesPage()],
];

function route() {
  cleanup();
  cleanup = () => {};
  if (needLogin) { showLogin(); return; }
  const path = decodeURIComponent(location.hash.replace(/^#/, '')) || '/jobs';
  for (const [re, page, render] of routes) {
    const m = path.match(re);
    if (!m) continue;
    for (const a of document.querySelectorAll('nav a')) {
      if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const page$ = render(m);
    replace(view, page$.el);
    cleanup = page$.stop || (() => {});
    const h1 = view.querySelector('h1');
    document.title = `${h1 ? h1.textContent : 'tailsynth'} · tailsynth console`;
    return;
  }
  replace(view, h('h1', {}, 'Not found'), h('p', {}, 'No page ', h('code', {}, path), '. ', h('a', { href: '#/jobs' }, 'Go to the jobs.')));
}

function renderSession() {
  const el = document.getElementById('session');
  if (!session.auth) { replace(el, h('span', { class: 'muted-light', testid: 'auth-status' }, 'open server (no API key)')); return; }
  if (!session.key) { replace(el); return; }
  replace(el, h('span', { testid: 'auth-status' }, 'signed in with an API key'),
    h('button', { type: 'button', testid: 'logout', onclick: async () => { await logout(); needLogin = true; renderSession(); route(); } }, 'Log out'));
}

function showLogin(err) {
  for (const a of document.querySelectorAll('nav a')) a.removeAttribute('aria-current');
  const input = h('input', { type: 'password', id: 'login-key', autocomplete: 'current-password', required: true, testid: 'login-key' });
  const errEl = errorBox(err || null, 'login-error');
  const form = h('form', { class: 'login', testid: 'login', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      await login(input.value.trim());
      session.auth = true;
      needLogin = false;
      renderSession();
      route();
    } catch (e) {
      const box = errorBox(e.status === 401 ? Object.assign(e, { message: `${e.message}. Check the key and try again.` }) : e, 'login-error');
      form.querySelector('[data-testid="login-error"]').replaceWith(box);
      input.focus();
    }
  } },
  h('h1', {}, 'Log in'),
  h('p', {}, 'This server needs an API key (one of its ', h('code', {}, 'server.api_keys'), '). It is kept in this browser tab only, for this session, and sent in the Authorization header.'),
  h('div', { class: 'field' }, h('label', { for: 'login-key' }, 'API key'), input),
  errEl,
  h('p', {}, h('button', { type: 'submit', class: 'primary', testid: 'login-submit' }, 'Log in')));
  replace(view, form);
  document.title = 'Log in · tailsynth console';
  input.focus();
}

session.onUnauthorized = (err) => {
  if (!session.auth && err.status !== 401) return;
  session.auth = true;
  session.key = '';
  sessionStorage.removeItem('tailsynth.apiKey');
  needLogin = true;
  cleanup();
  cleanup = () => {};
  renderSession();
  showLogin(err);
};

async function start() {
  try {
    const info = await sessionInfo();
    needLogin = info.auth && !session.key;
    if (info.auth && session.key && !info.authenticated) {
      // The key is kept but the cookie is gone (a new browser session):
      // set it again.
      try { await login(session.key); } catch { needLogin = true; }
    }
  } catch (err) {
    replace(view, errorBox(err));
    return;
  }
  renderSession();
  window.addEventListener('hashchange', route);
  if (!location.hash) history.replaceState(null, '', '#/jobs');
  route();
}

start();

// The API client: every request carries the key from sessionStorage as a
// bearer token (never in a URL); errors arrive as APIError with the
// server's message.

const keyName = 'tailsynth.apiKey';

export const session = {
  // auth: whether the server needs a key (GET /v1/session).
  auth: false,
  key: sessionStorage.getItem(keyName) || '',
  onUnauthorized: () => {},
};

export class APIError extends Error {
  constructor(status, body, text) {
    const e = body && body.error;
    super(e?.message || text || `HTTP ${status}`);
    this.status = status;
    this.code = e?.code || '';
    this.details = e?.details;
  }
}

export function headers(extra) {
  const hd = { ...(extra || {}) };
  if (session.key) hd.Authorization = `Bearer ${session.key}`;
  return hd;
}

// api sends one request and answers its JSON body (null for 204).
export async function api(method, path, body) {
  const init = { method, headers: headers(), credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (err) {
    throw new APIError(0, null, `cannot reach the server: ${err.message}`);
  }
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!resp.ok) {
    const err = new APIError(resp.status, data, text);
    if (resp.status === 401) session.onUnauthorized(err);
    throw err;
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);
export const del = (path) => api('DELETE', path);

// sessionInfo asks whether the server needs a key; a server without the
// route is taken as one that does not say (auth decided by a 401 later).
export async function sessionInfo() {
  try {
    const info = await get('/v1/session');
    session.auth = !!info.auth;
    return info;
  } catch (err) {
    if (err.status === 404) return { auth: false, authenticated: true };
    throw err;
  }
}

// login checks key with POST /v1/session, which also sets the cookie that
// lets <img>, <iframe> and download links read job files; then keeps the
// key for this browser tab.
export async function login(key) {
  const resp = await fetch('/v1/session', { method: 'POST', headers: { Authorization: `Bearer ${key}` }, credentials: 'same-origin' });
  if (!resp.ok) {
    const text = await resp.text();
    let data = null;
    try { data = JSON.parse(text); } catch { data = null; }
    throw new APIError(resp.status, data, text);
  }
  session.key = key;
  sessionStorage.setItem(keyName, key);
}

export async function logout() {
  try { await api('DELETE', '/v1/session'); } catch { /* the cookie goes anyway with the tab */ }
  session.key = '';
  sessionStorage.removeItem(keyName);
}

// watchJob follows a job's event stream (GET /v1/jobs/{id}/events, which
// authenticates by the session cookie: EventSource sends no headers),
// calling onJob with each new state. Where the stream cannot be held it
// polls instead. It returns a function that stops watching.
export function watchJob(id, onJob) {
  let stopped = false;
  let timer = 0;
  let es = null;
  const poll = async () => {
    if (stopped) return;
    try {
      const j = await get(`/v1/jobs/${encodeURIComponent(id)}`);
      onJob(j);
      if (['succeeded', 'failed', 'cancelled'].includes(j.state)) return;
    } catch { /* try again */ }
    timer = setTimeout(poll, 2000);
  };
  if (typeof EventSource === 'function') {
    es = new EventSource(`/v1/jobs/${encodeURIComponent(id)}/events`);
    es.addEventListener('job', (ev) => {
      try { onJob(JSON.parse(ev.data)); } catch { /* a broken event: the next one follows */ }
    });
    es.addEventListener('end', () => { es.close(); es = null; });
    es.onerror = () => {
      // Closed for good (an error answer such as 401): poll instead. A
      // dropped connection reconnects by itself.
      if (es && es.readyState === EventSource.CLOSED) { es = null; poll(); }
    };
  } else {
    poll();
  }
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (es) es.close();
  };
}

// fileURL is the URL of one file of a job's (or evaluation's) output.
export function fileURL(base, path, download) {
  const p = path.split('/').map(encodeURIComponent).join('/');
  return `${base}/${p}${download ? '?download=1' : ''}`;
}

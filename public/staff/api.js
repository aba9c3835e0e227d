// The staff API, as the console calls it: same-origin cookie session, JSON, and the
// X-Requested-With header the server requires on every change (CSRF protection).

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `Request failed (${status})`);
    this.status = status;
    this.code = body && body.error ? body.error.code : undefined;
    this.field = body && body.error ? body.error.field : undefined;
  }
}

let onUnauthenticated = () => {};

/** Called whenever the server answers 401 (session expired or revoked). */
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn;
}

export async function api(path, { method = 'GET', body, quiet401 = false } = {}) {
  const headers = { Accept: 'application/json', 'X-Requested-With': 'calfbot-console' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`/staff/api/${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    if (res.status === 401 && !quiet401) onUnauthenticated();
    throw new ApiError(res.status, data);
  }
  return data;
}

/** `<channel>:<id>` keys go into URLs encoded. */
export function convPath(key) {
  return `conversations/${encodeURIComponent(key)}`;
}

export function exportUrl(key, format) {
  return `/staff/api/${convPath(key)}/export?format=${encodeURIComponent(format)}`;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

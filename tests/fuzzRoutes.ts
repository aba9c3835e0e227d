/**
 * fast-check generators of hostile requests to EVERY public route (not only
 * /api/messages): Direct Line, the Web Chat config and token exchange, the staff API and
 * console, health checks and static files; with odd methods, content encodings (gzip,
 * deflate, br, lists, unknown, invalid and bomb bodies), deep JSON, oversized bodies and
 * wrong field types. Shared by tests/fuzz.test.ts (a few hundred cases) and
 * scripts/fuzz.ts (thousands). Loopback only: the base URL is always the local service.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { activityArbitrary } from './fuzzArbitraries';

export interface RouteCase {
  kind: string;
  method: string;
  /** May contain {conv}; replaced by the Direct Line conversation of the run. */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array | string;
}

/** What a run needs to reach the authenticated Direct Line routes. */
export interface RouteContext {
  baseUrl: string;
  token: string;
  conversationId: string;
}

const deep = (n: number, open = '[', close = ']'): string => `${open.repeat(n)}${close.repeat(n)}`;
const deepObject = (n: number): string => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

/** One 200 MB gzip bomb, built once (about 200 KB). */
let bomb: Buffer | undefined;
const gzipBomb = (): Buffer => (bomb ??= gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 }));

const ROUTES: { method: string; path: string; auth: 'dl' | 'staff' | 'none' }[] = [
  { method: 'POST', path: '/api/messages', auth: 'none' },
  { method: 'POST', path: '/v3/directline/tokens/generate', auth: 'none' },
  { method: 'POST', path: '/v3/directline/tokens/refresh', auth: 'dl' },
  { method: 'POST', path: '/v3/directline/conversations', auth: 'dl' },
  { method: 'GET', path: '/v3/directline/conversations/{conv}', auth: 'dl' },
  { method: 'GET', path: '/v3/directline/conversations/{conv}/activities', auth: 'dl' },
  { method: 'POST', path: '/v3/directline/conversations/{conv}/activities', auth: 'dl' },
  { method: 'POST', path: '/v3/directline/conversations/{conv}/upload', auth: 'dl' },
  { method: 'POST', path: '/api/directline/token', auth: 'none' },
  { method: 'GET', path: '/api/webchat/config', auth: 'none' },
  { method: 'POST', path: '/staff/api/login', auth: 'none' },
  { method: 'POST', path: '/staff/api/logout', auth: 'staff' },
  { method: 'GET', path: '/staff/api/me', auth: 'staff' },
  { method: 'GET', path: '/staff/api/conversations', auth: 'staff' },
  { method: 'GET', path: '/staff/api/conversations/webchat%3Ax', auth: 'staff' },
  { method: 'PATCH', path: '/staff/api/conversations/webchat%3Ax', auth: 'staff' },
  { method: 'DELETE', path: '/staff/api/conversations/webchat%3Ax', auth: 'staff' },
  { method: 'GET', path: '/staff/api/stats', auth: 'staff' },
  { method: 'GET', path: '/staff/api/audit', auth: 'staff' },
  { method: 'GET', path: '/healthz', auth: 'none' },
  { method: 'GET', path: '/readyz', auth: 'none' },
  { method: 'GET', path: '/', auth: 'none' },
  { method: 'GET', path: '/chat', auth: 'none' },
  { method: 'GET', path: '/widget.js', auth: 'none' },
  { method: 'GET', path: '/site/../../etc/passwd', auth: 'none' },
  { method: 'GET', path: '/staff/', auth: 'none' },
  { method: 'GET', path: '/staff/%2e%2e%2fpackage.json', auth: 'none' },
];

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const ENCODINGS = ['gzip', 'deflate', 'br', 'identity', 'identity, gzip', 'gzip, gzip', 'x-unknown', 'GZIP', 'compress', '*'];

const directLineActivity = fc.record({
  type: fc.oneof(fc.constantFrom('message', 'typing', 'event', 'invoke', 'conversationUpdate', ''), fc.jsonValue({ maxDepth: 1 })),
  text: fc.oneof(fc.string({ maxLength: 80 }), fc.jsonValue({ maxDepth: 2 }), fc.constant('I have a clot in my calf')),
  value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.integer({ min: 1, max: 6000 }).map((n) => ({ raw: deepObject(n) }))),
  channelData: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), fc.jsonValue({ maxDepth: 1 })),
  entities: fc.oneof(fc.constant(undefined), fc.array(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
  timestamp: fc.constantFrom(undefined, '2999-01-01T00:00:00Z', '1970-01-01T00:00:00Z', 'not a date', 42),
}, { requiredKeys: ['type'] }).map((a) => {
  // A value with a raw deep part is spliced in as text, so the depth is real JSON depth.
  const value = a.value as { raw?: string } | undefined;
  if (value && typeof value === 'object' && typeof value.raw === 'string') {
    const { value: _drop, ...rest } = a;
    return `${JSON.stringify(rest).slice(0, -1)}${Object.keys(rest).length ? ',' : ''}"value":${value.raw}}`;
  }
  return JSON.stringify(a);
});

const jsonBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: activityArbitrary('http://127.0.0.1:9/').map((a) => JSON.stringify(a)) },
  { weight: 4, arbitrary: directLineActivity },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.record({ token: fc.oneof(fc.string({ maxLength: 60 }), fc.jsonValue({ maxDepth: 1 })) }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.record({ status: fc.string({ maxLength: 12 }), tags: fc.jsonValue({ maxDepth: 2 }), note: fc.jsonValue({ maxDepth: 1 }) }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 8000 }).map((n) => deep(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => `{"type":"message","text":"x","channelId":"t","conversation":{"id":"c"},"from":{"id":"u"},"channelData":${deep(n, '{"a":', '}').replace(/\{"a":\}/, '{"a":1}')}}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => `{"type":"message","text":${s}`) },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 400 }).map((kb) => JSON.stringify({ type: 'message', text: 'x'.repeat(kb * 1024) })) },
);

const encoded = fc.tuple(jsonBody, fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: fc.constantFrom(...ENCODINGS) }), fc.constantFrom('real', 'junk', 'bomb'))
  .map(([body, encoding, mode]): { body: Uint8Array | string; headers: Record<string, string>; kind: string } => {
    if (!encoding) return { body, headers: {}, kind: 'json' };
    const raw = Buffer.from(body);
    let data: Buffer = raw;
    if (mode === 'junk') data = Buffer.from('definitely not compressed');
    else if (mode === 'bomb' && encoding.toLowerCase().includes('gzip')) data = gzipBomb();
    else if (encoding.toLowerCase().includes('gzip')) data = gzipSync(raw);
    else if (encoding === 'deflate') data = deflateSync(raw);
    else if (encoding === 'br') data = brotliCompressSync(raw);
    return { body: data, headers: { 'content-encoding': encoding }, kind: `encoding:${encoding}:${mode}` };
  });

const contentType = fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '', 'application/json; charset=utf-16') });

const authHeader = fc.constantFrom('valid', 'none', 'junk', 'Basic Zm9vOmJhcg==', 'Bearer ', 'Bearer cb_0000000000000000000000000000000000000000');

export const routeCaseArbitrary: fc.Arbitrary<RouteCase> = fc
  .tuple(
    fc.constantFrom(...ROUTES),
    fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
    encoded,
    contentType,
    authHeader,
    fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('?watermark=abc', '?watermark=-1', '?watermark=99999999999999999999', '?format=xls', '?days=abc', '?limit=100000', '?cursor=%ff%fe', '?q=' + 'a'.repeat(3000)) }),
  )
  .map(([route, method, enc, type, auth, query]) => {
    const m = method ?? route.method;
    const headers: Record<string, string> = { ...enc.headers };
    if (m !== 'GET' && m !== 'OPTIONS') headers['content-type'] = type;
    if (route.path.startsWith('/staff/api')) headers['x-requested-with'] = 'calfbot-console';
    if (auth === 'valid') headers.authorization = route.auth === 'dl' ? 'Bearer {token}' : 'Bearer cb_invalid';
    else if (auth === 'junk') headers.authorization = 'Bearer eyJhbGciOiJub25lIn0.e30.';
    else if (auth !== 'none') headers.authorization = auth;
    return {
      kind: `${m} ${route.path.split('?')[0]} ${enc.kind}`,
      method: m,
      path: route.path + query,
      headers,
      body: m === 'GET' || m === 'OPTIONS' ? undefined : enc.body,
    };
  });

export interface RouteResult {
  status: number;
  body: string;
  contentType: string;
}

/** Sends one case to the local service. */
export async function sendRouteCase(ctx: RouteContext, c: RouteCase): Promise<RouteResult> {
  const headers = Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k, v.replace('{token}', ctx.token)]));
  const path = c.path.replace('{conv}', encodeURIComponent(ctx.conversationId));
  const body = c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : new Blob([new Uint8Array(c.body)]);
  const send = () => fetch(`${ctx.baseUrl}${path}`, { method: c.method, headers, body, signal: AbortSignal.timeout(20_000) });
  let res: Response;
  try {
    res = await send();
  } catch (error) {
    // A keep-alive socket the server closed as idle just as it was reused (seen under heavy
    // machine load) resets with no answer: retry once on a fresh one. A crashed server
    // refuses the retry, so this cannot hide a crash.
    if ((error as Error & { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw error;
    res = await send();
  }
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

/** The rule for every answer: never 5xx (501 for an unhandled invoke is protocol), JSON errors on APIs. */
export function checkRouteResult(c: RouteCase, r: RouteResult): string | undefined {
  const invoke = r.status === 501 && typeof c.body === 'string' && c.body.includes('"invoke"');
  if (r.status >= 500 && !invoke) return `status ${r.status}`;
  if (r.status < 100) return `status ${r.status}`;
  const api = /^\/(api|v3|staff\/api|healthz|readyz)/.test(c.path);
  if (api && r.status >= 400) {
    try {
      const err = (JSON.parse(r.body) as { error?: { code?: unknown; message?: unknown } }).error;
      if (!err || typeof err.code !== 'string' || typeof err.message !== 'string') return `${r.status} without { error: { code, message } }`;
    } catch {
      return `non-JSON body for ${r.status}`;
    }
  }
  return undefined;
}

export function describeRouteCase(c: RouteCase): string {
  const body = c.body === undefined ? '' : typeof c.body === 'string' ? c.body : `<${c.body.length} bytes>`;
  return `${c.method} ${c.path} ${JSON.stringify(c.headers)} ${body.length > 200 ? `${body.slice(0, 200)}… (${body.length} chars)` : body}`;
}

/** A Direct Line conversation for the run (token + started conversation). */
export async function directLineContext(baseUrl: string): Promise<RouteContext> {
  const gen = (await (await fetch(`${baseUrl}/v3/directline/tokens/generate`, { method: 'POST' })).json()) as { token: string; conversationId: string };
  await fetch(`${baseUrl}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${gen.token}` } });
  return { baseUrl, token: gen.token, conversationId: gen.conversationId };
}

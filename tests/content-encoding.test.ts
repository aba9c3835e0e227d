/**
 * Compressed request bodies against the real server process: bad gzip used to crash it
 * (an unhandled Z_DATA_ERROR on restify's gunzip stream), and a gzip bomb was inflated
 * to 200 MB. Every route must answer a 4xx quickly and the process must stay up.
 */
import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from './helpers/serverProcess';

interface Answer { status: number; body: string }

/** A raw POST (fetch would refuse some of these headers or bodies). */
function rawPost(port: number, path: string, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-length': String(body.length), ...headers }, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within 10 s on ${path}`)));
    req.on('error', reject);
    req.end(body);
  });
}

const activity = JSON.stringify({
  type: 'message', text: 'hello', channelId: 'test', serviceUrl: 'http://localhost', deliveryMode: 'expectReplies',
  conversation: { id: 'enc-1' }, from: { id: 'u1' }, recipient: { id: 'bot' },
});
// 200 MB of zeros compresses to ~200 KB: under the body limit, far over it once inflated.
const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 });

const CASES: [string, Record<string, string>, Buffer][] = [
  ['invalid gzip', { 'content-encoding': 'gzip' }, Buffer.from('this is not gzip at all')],
  ['truncated gzip', { 'content-encoding': 'gzip' }, gzipSync(activity).subarray(0, 20)],
  ['valid gzip', { 'content-encoding': 'gzip' }, gzipSync(activity)],
  ['gzip bomb', { 'content-encoding': 'gzip' }, bomb],
  ['deflate', { 'content-encoding': 'deflate' }, deflateSync(activity)],
  ['invalid deflate', { 'content-encoding': 'deflate' }, Buffer.from('nope')],
  ['br', { 'content-encoding': 'br' }, brotliCompressSync(Buffer.from(activity))],
  ['identity, gzip', { 'content-encoding': 'identity, gzip' }, gzipSync(activity)],
  ['GZIP upper case', { 'content-encoding': 'GZIP' }, Buffer.from('junk')],
  ['unknown encoding', { 'content-encoding': 'x-made-up' }, Buffer.from(activity)],
];

describe('Content-Encoding on every body-reading route (real server process)', () => {
  let s: ServerProcess;
  let dlPath: string;
  let dlToken: string;

  beforeAll(async () => {
    s = await startServer('memory:');
    const gen = (await (await fetch(`http://127.0.0.1:${s.port}/v3/directline/tokens/generate`, { method: 'POST' })).json()) as { token: string; conversationId: string };
    dlToken = gen.token;
    await fetch(`http://127.0.0.1:${s.port}/v3/directline/conversations`, { method: 'POST', headers: { authorization: `Bearer ${dlToken}` } });
    dlPath = `/v3/directline/conversations/${gen.conversationId}/activities`;
  }, 90_000);
  afterAll(() => {
    s?.proc.kill('SIGKILL');
  });

  const routes = (): [string, Record<string, string>][] => [
    ['/api/messages', {}],
    [dlPath, { authorization: `Bearer ${dlToken}` }],
    ['/staff/api/login', { 'x-requested-with': 'calfbot-console' }],
    ['/v3/directline/tokens/generate', {}],
  ];

  it.each(CASES)('%s: 415 on every route, the process survives and /healthz answers', async (_name, encoding, body) => {
    for (const [path, auth] of routes()) {
      const answer = await rawPost(s.port, path, { 'content-type': 'application/json', ...auth, ...encoding }, body);
      expect(answer.status, `${path}: ${answer.body}`).toBe(415);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'unsupported_content_encoding' } });
    }
    expect(s.proc.exitCode).toBeNull();
    const started = Date.now();
    const health = await fetch(`http://127.0.0.1:${s.port}/healthz`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('identity (or no Content-Encoding) still works', async () => {
    const variants: Record<string, string>[] = [{}, { 'content-encoding': 'identity' }, { 'content-encoding': 'Identity' }, { 'content-encoding': ' , ' }];
    for (const headers of variants) {
      const answer = await rawPost(s.port, '/api/messages', { 'content-type': 'application/json', ...headers }, Buffer.from(activity));
      expect(answer.status, answer.body).toBe(200);
      expect(JSON.parse(answer.body)).toMatchObject({ activities: expect.any(Array) });
    }
  });

  it('the server still runs a normal conversation afterwards', async () => {
    const res = await fetch(`http://127.0.0.1:${s.port}/readyz`);
    expect(res.status).toBe(200);
    expect(s.proc.exitCode).toBeNull();
  });
});

/**
 * Widget-style traffic for the memory measure: what Web Chat on the clinic's site does
 * against the self-hosted Direct Line endpoint — a token, a conversation (the bot
 * welcomes), a message, polling for the answer — for many distinct conversations, with a
 * few running at once. The Direct Line store keeps every one of them in memory until it
 * is idle for an hour or its byte cap (DIRECT_LINE_MAX_MB) evicts the oldest.
 */
import http from 'node:http';

function call(base: string, method: 'GET' | 'POST', path: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, {
      method,
      headers: { ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      timeout: 15_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
        } catch {
          resolve({ status: res.statusCode ?? 0, json: {} });
        }
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(data);
  });
}

const MESSAGES = ['my calf hurts when walking and goes away with rest', 'what stretches can i do', 'is there a test i can do at home'];

/** One widget conversation: token, start, poll the welcome, one message, poll until answered (at most 5 polls). */
async function oneConversation(base: string, n: number, pollMs: number): Promise<boolean> {
  const dl = '/v3/directline';
  const token = await call(base, 'POST', `${dl}/tokens/generate`, {});
  const t = String(token.json.token ?? '');
  if (token.status !== 200 || !t) return false;
  const started = await call(base, 'POST', `${dl}/conversations`, {}, t);
  const id = String(started.json.conversationId ?? '');
  if (started.status > 201 || !id) return false;
  let watermark = '';
  const poll = async (): Promise<number> => {
    const got = await call(base, 'GET', `${dl}/conversations/${encodeURIComponent(id)}/activities${watermark ? `?watermark=${watermark}` : ''}`, undefined, t);
    watermark = String(got.json.watermark ?? watermark);
    return Array.isArray(got.json.activities) ? got.json.activities.length : 0;
  };
  await poll();
  const posted = await call(base, 'POST', `${dl}/conversations/${encodeURIComponent(id)}/activities`, { type: 'message', from: { id: 'x' }, text: MESSAGES[n % MESSAGES.length] }, t);
  if (posted.status !== 200) return false;
  for (let i = 0; i < 5; i++) {
    if ((await poll()) > 0) return true;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return false;
}

export interface WidgetTraffic {
  conversations: number;
  failed: number;
  seconds: number;
  capped: boolean;
}

/** `target` widget conversations, `concurrency` at a time, for at most `maxSeconds`. */
export async function widgetTraffic(base: string, target: number, concurrency: number, maxSeconds: number, pollMs = 100): Promise<WidgetTraffic> {
  const t0 = performance.now();
  const deadline = t0 + maxSeconds * 1000;
  let next = 0;
  let done = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (next < target && performance.now() < deadline) {
      const n = next++;
      try {
        if (await oneConversation(base, n, pollMs)) done++;
        else failed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { conversations: done, failed, seconds: (performance.now() - t0) / 1000, capped: next < target };
}

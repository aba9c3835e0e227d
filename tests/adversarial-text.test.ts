/**
 * A message of ~256 KB of adversarial text (long runs of one letter, digits, e-mail- and
 * phone-like fragments, red-flag words) against the real server process with the real
 * pipeline (triage, NLU, dialogs, redaction, transcript): it must be answered, and
 * /healthz must keep answering while it is processed: redaction is linear, triage analyses
 * long text in overlapping windows and yields to the event loop between them, and NLU
 * normalisation caps its input (docs/security.md). How long a turn takes is measured by
 * `npm run bench`, not here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from './helpers/serverProcess';

const TEXT_BYTES = 250 * 1024; // the JSON envelope takes the body to just under the 256 KB limit

function adversarialText(): string {
  const units = ['a', '0', 'a@a.', '+1 (2', 'calf pain ', '0 ', '.', 'SW1A '];
  const part = Math.floor(TEXT_BYTES / units.length);
  const text = units.map((u) => u.repeat(Math.ceil(part / u.length)).slice(0, part)).join(' ');
  // A red flag at the very end: safety must never miss it.
  return `${text} I think I have a blood clot in my calf`;
}

describe('256 KB of adversarial text', () => {
  let s: ServerProcess;
  beforeAll(async () => {
    s = await startServer('memory:');
  }, 90_000);
  afterAll(() => {
    s?.proc.kill('SIGKILL');
  });

  it('is answered, and /healthz keeps answering meanwhile (the event loop is never held by it)', { timeout: 120_000 }, async () => {
    const body = JSON.stringify({
      type: 'message', text: adversarialText(), deliveryMode: 'expectReplies', channelId: 'test', serviceUrl: 'http://localhost',
      conversation: { id: 'adversarial-1' }, from: { id: 'u1' }, recipient: { id: 'bot' },
    });
    expect(Buffer.byteLength(body)).toBeLessThan(256 * 1024);
    let done = false;
    const answer = fetch(`http://127.0.0.1:${s.port}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(60_000) })
      .then(async (res) => ({ status: res.status, json: (await res.json()) as { activities?: { channelData?: { urgency?: string } }[] } }))
      .finally(() => (done = true));
    // Health checks answered while the message is still being processed: a server that held
    // its event loop for the whole message would answer none of them before the message.
    let answeredDuring = 0;
    let asked = 0;
    while (!done) {
      asked++;
      const health = await fetch(`http://127.0.0.1:${s.port}/healthz`, { signal: AbortSignal.timeout(30_000) }).catch(() => null);
      expect(health?.status, `exit ${s.proc.exitCode} ${s.stderr().slice(-2000)}`).toBe(200);
      if (!done) answeredDuring++;
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.json.activities?.length).toBeGreaterThan(0);
    // The red flag at the end was seen.
    expect(res.json.activities?.some((a) => a.channelData?.urgency === 'urgent' || a.channelData?.urgency === 'emergency')).toBe(true);
    // Every health check asked while the message was in flight but one (the last may race its end) was answered during it.
    expect(answeredDuring).toBeGreaterThanOrEqual(asked - 1);
    expect(answeredDuring).toBeGreaterThan(0);
    expect(s.proc.exitCode).toBeNull();
  });
});

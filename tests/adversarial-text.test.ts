/**
 * A message of ~256 KB of adversarial text (long runs of one letter, digits, e-mail- and
 * phone-like fragments, red-flag words) against the real server process with the real
 * pipeline (triage, NLU, dialogs, redaction, transcript): it must be answered, and
 * /healthz must keep answering (each within about a second) while it is processed —
 * the text steps must not block the event loop for long.
 *
 * KNOWN FAILURE, kept on purpose (it passes once the text steps below are fixed):
 * - redaction (src/storage/redact.ts, being rewritten to be linear on another branch)
 *   takes minutes on a long run of letters or digits (measured: 106 s for 250 KB of "a",
 *   146 s for 250 KB of "0"), so today /healthz stops answering for minutes;
 * - with redaction out of the way (measured by stubbing it), the message is answered and
 *   the red flag at the end is found, but /healthz still waited up to 2.8 s: triage
 *   (src/triage/matcher.ts) is linear but costs ~10 µs per character (200 KB → 0.7–2.5 s
 *   on a shared 2-core machine) and runs synchronously. The fix is for the triage
 *   middleware to analyse long text in overlapping windows (e.g. 4,000 characters, 200
 *   overlap) and yield to the event loop between windows, so nothing is skipped.
 * NLU normalisation caps its input at MAX_INPUT_CHARS (src/nlu/normalize.ts), so it is
 * already bounded. See docs/security.md.
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

  it('is answered, and /healthz keeps answering within about a second meanwhile', { timeout: 120_000 }, async () => {
    const body = JSON.stringify({
      type: 'message', text: adversarialText(), deliveryMode: 'expectReplies', channelId: 'test', serviceUrl: 'http://localhost',
      conversation: { id: 'adversarial-1' }, from: { id: 'u1' }, recipient: { id: 'bot' },
    });
    expect(Buffer.byteLength(body)).toBeLessThan(256 * 1024);
    let done = false;
    const answer = fetch(`http://127.0.0.1:${s.port}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(60_000) })
      .then(async (res) => ({ status: res.status, json: (await res.json()) as { activities?: { channelData?: { urgency?: string } }[] } }))
      .finally(() => (done = true));
    const healthLatencies: number[] = [];
    while (!done) {
      const started = Date.now();
      const health = await fetch(`http://127.0.0.1:${s.port}/healthz`, { signal: AbortSignal.timeout(30_000) }).catch(() => null);
      healthLatencies.push(Date.now() - started);
      expect(health?.status, `exit ${s.proc.exitCode} ${s.stderr().slice(-2000)}`).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.json.activities?.length).toBeGreaterThan(0);
    // The red flag at the end was seen.
    expect(res.json.activities?.some((a) => a.channelData?.urgency === 'urgent' || a.channelData?.urgency === 'emergency')).toBe(true);
    expect(Math.max(...healthLatencies)).toBeLessThan(1_500);
    expect(s.proc.exitCode).toBeNull();
  });
});

/**
 * Two server processes on one PostgreSQL behave as one bot:
 *  - a dialog started on instance A continues on instance B (shared conversation state);
 *  - concurrent turns of one conversation spread over both instances all get answered,
 *    and the transcript holds every user message (eTag conflicts are retried, not lost).
 *
 * Spawns the real server (`src/index.ts` through tsx) twice; needs PostgreSQL.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPgSchema, describePg, type PgSchema } from './helpers/postgres';
import { lastIntent, say, startServer, type ServerProcess } from './helpers/serverProcess';

async function stopServer(s: ServerProcess | undefined): Promise<void> {
  if (!s || s.proc.exitCode !== null) return;
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  const timer = setTimeout(() => s.proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

describePg('scale-out: two instances on one PostgreSQL', () => {
  let pg: PgSchema;
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;

  beforeAll(async () => {
    pg = await createPgSchema('calfbot_scaleout', false);
    // Start one first so the other finds the schema migrated, then the second.
    a = await startServer(pg.url);
    b = await startServer(pg.url);
  }, 150_000);

  afterAll(async () => {
    await Promise.all([stopServer(a), stopServer(b)]);
    await pg?.drop();
  });

  it('a dialog started on A continues on B', async () => {
    const first = await say(a!, 'walk-1', 'wall test');
    expect(first.status).toBe(200);
    const intent = lastIntent(first.activities);
    expect(intent, JSON.stringify(first.activities)).toBeTruthy();
    expect(intent).not.toBe('none');
    const second = await say(b!, 'walk-1', 'yes');
    expect(second.status).toBe(200);
    expect(second.activities.length).toBeGreaterThan(0);
    // B knows the dialog A started: its answer continues it instead of falling back.
    expect(lastIntent(second.activities), JSON.stringify(second.activities)).toBe(intent);
    // Control: the same answer in a fresh conversation is not part of that dialog.
    const control = await say(b!, 'walk-control', 'yes');
    expect(lastIntent(control.activities)).not.toBe(intent);
  });

  it('concurrent turns of one conversation across both instances are all answered and all logged', async () => {
    const n = 12;
    const texts = Array.from({ length: n }, (_, i) => `hello ${i}`);
    const results = await Promise.all(texts.map((t, i) => say(i % 2 === 0 ? a! : b!, 'busy-1', t)));
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.activities.filter((x) => x.type === 'message').length).toBeGreaterThan(0);
    }
    let logged: string[] = [];
    for (let i = 0; i < 50; i++) {
      const rows = await pg.query<{ text: string }>("SELECT text FROM activities WHERE conversation_id = 'busy-1' AND role = 'user'");
      logged = rows.map((r) => r.text);
      if (logged.length >= n) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(logged.sort()).toEqual([...texts].sort());
    const [conv] = await pg.query<{ turn_count: number }>("SELECT turn_count FROM conversations WHERE conversation_id = 'busy-1'");
    expect(conv?.turn_count).toBe(n);
    expect(a!.proc.exitCode).toBeNull();
    expect(b!.proc.exitCode).toBeNull();
  });
});

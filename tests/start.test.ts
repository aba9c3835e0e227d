import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { createPgSchema, describePg } from './helpers/postgres';
import { parse } from 'yaml';
import { SCRIPTS } from '../scripts/bench/conversations';
import { messageActivity, postActivity, startTestService, type ReplyActivity } from './helpers/service';

/** What `npm start` runs: `node <flags> scripts/start.mjs`, which runs the bundled service (dist/calfbot.js). */
function startArgs(): string[] {
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
  const [command, ...args] = pkg.scripts.start.split(/\s+/);
  expect(command).toBe('node');
  return args;
}

/** Starts `npm start`'s command on a free port; resolves once it logs the port. Every log line goes to `logs`. */
async function startService(databaseUrl: string, logs: Record<string, unknown>[] = []): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, startArgs(), {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      logs.push(entry);
      if (entry.port) resolve(`http://127.0.0.1:${entry.port}`);
    });
  });
  return { child, url };
}

/** Starts it, answers one turn, then stops it. */
async function startOnce(databaseUrl: string): Promise<void> {
  const { child, url } = await startService(databaseUrl);
  const { status } = await postActivity(url, messageActivity('hi', 'cache-1'));
  expect(status).toBe(200);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** `npm start` runs the build in dist/; this starts it the same way, on a free port. */
describe('the built service (what npm start runs)', () => {
  let child: ChildProcess;
  let url = '';
  const logs: Record<string, unknown>[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-start-'));

  beforeAll(async () => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    ({ child, url } = await startService(`sqlite:${path.join(dir, 'bot.db')}`, logs));
  });
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('answers the quick-start request with replies that carry channelData.urgency', async () => {
    const { status, replies } = await postActivity(url, messageActivity('hi', 'start-1'));
    expect(status).toBe(200);
    expect(replies.length).toBeGreaterThan(0);
    for (const reply of replies) expect(['none', 'urgent', 'emergency']).toContain(reply.channelData?.urgency);
  });

  it('counts heel raises typed as digits or words (the number prompt and the locale data it shares with botbuilder-dialogs)', async () => {
    const say = async (text: string) => (await postActivity(url, messageActivity(text, 'start-raises'))).replies.map((r) => String(r.text ?? '')).join('\n');
    await say('heel raise test');
    await say('thirty two');
    const result = await say('12');
    expect(result).toMatch(/\b32\b/);
    expect(result).toMatch(/\b12\b/);
  });

  // The bundle runs botbuilder's async methods rewritten as native async functions
  // (scripts/nativeAsync.mjs); the source runs them as published. Every conversation must get the
  // same replies from both: texts, urgency, buttons, in the same order.
  it('answers whole conversations exactly as the source does (botbuilder rewritten to native async in the bundle)', async () => {
    const source = await startTestService();
    try {
      const conversations = [
        ...SCRIPTS.map((s) => s.turns.flatMap((t) => (t.text === undefined ? [] : [t.text]))),
        ...['dev243', 'dev239'].flatMap((set) => (parse(fs.readFileSync(`tests/data/${set}/scripts.yaml`, 'utf8')) as { scripts: { turns: { user: string }[] }[] }).scripts.map((s) => s.turns.map((t) => t.user))),
        ['heel raise test', 'thirty two', '12', 'menu', 'wall test', 'cancel', 'help'],
      ];
      const shape = (replies: ReplyActivity[]) => replies.map((r) => ({ text: r.text ?? '', urgency: r.channelData?.urgency, buttons: r.suggestedActions?.actions.map((a) => a.title) ?? [], cards: r.attachments?.length ?? 0 }));
      let turns = 0;
      for (const [i, texts] of conversations.entries()) {
        for (const text of texts) {
          const [bundled, fromSource] = await Promise.all([postActivity(url, messageActivity(text, `same-${i}`)), postActivity(source.url, messageActivity(text, `same-${i}`))]);
          expect(bundled.status, text).toBe(200);
          expect(shape(bundled.replies), `conversation ${i}: ${text}`).toEqual(shape(fromSource.replies));
          turns++;
        }
      }
      expect(turns).toBeGreaterThan(80);
    } finally {
      await source.stop();
    }
  });

  it('refuses a body over 256 KB with 413 JSON, as restify would', async () => {
    const res = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(messageActivity('x'.repeat(300 * 1024), 'start-big')) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('logs JSON without the text of what the user typed', async () => {
    await postActivity(url, messageActivity('my calf is swollen after my flight, call me on 07700 900123', 'start-2'));
    await new Promise((r) => setTimeout(r, 200));
    const all = JSON.stringify(logs);
    expect(all).toContain('red flag: escalating');
    expect(all).not.toContain('flight');
    expect(all).not.toContain('07700');
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(JSON.stringify(logs)).toContain('stopped');
  });
});

describe("the bundle's code cache (scripts/codeCache.mjs)", () => {
  it('is written on the first start and a corrupt one is replaced, never stopping the service', async () => {
    const sqlite = `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-cache-')), 'bot.db')}`;
    const caches = () => fs.readdirSync('dist').filter((f) => f.startsWith('calfbot.js.') && f.endsWith('.v8cache')).map((f) => path.join('dist', f));
    for (const f of caches()) fs.rmSync(f);
    await startOnce(sqlite);
    const [cacheFile, ...more] = caches();
    expect(more).toEqual([]);
    expect(fs.statSync(cacheFile!).size).toBeGreaterThan(100_000);
    fs.writeFileSync(cacheFile!, 'not a code cache');
    await startOnce(sqlite);
    expect(fs.statSync(cacheFile!).size).toBeGreaterThan(100_000);
  });
});

describePg('npm start on PostgreSQL', () => {
  it('starts and answers, the first time and again from the code cache (pg is loaded only then)', async () => {
    const pg = await createPgSchema();
    try {
      await startOnce(pg.url);
      await startOnce(pg.url);
    } finally {
      await pg.drop();
    }
  });
});

describe('npm start without dev dependencies', () => {
  it('fails with a message naming the fix when dist/ is missing and esbuild is not installed', () => {
    // A folder with the build script and a source but no node_modules: what
    // `npm install --omit=dev` leaves when dist/ was never built.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-noesbuild-'));
    fs.mkdirSync(path.join(dir, 'scripts'));
    fs.mkdirSync(path.join(dir, 'src'));
    for (const f of ['build.mjs', 'buildStamp.mjs', 'codeCache.mjs', 'start.mjs']) fs.copyFileSync(path.join('scripts', f), path.join(dir, 'scripts', f));
    fs.writeFileSync(path.join(dir, 'src', 'index.ts'), 'export {};\n');
    const start = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: dir, encoding: 'utf8' });
    expect(start.status).toBe(1);
    expect(start.stderr).toContain('dist/ is missing');
    expect(start.stderr).toContain('npm install');
    // `npm start` (scripts/start.mjs) stops with the same message, from any working directory.
    const npmStart = spawnSync(process.execPath, [path.join(dir, 'scripts', 'start.mjs')], { cwd: os.tmpdir(), encoding: 'utf8' });
    expect(npmStart.status).toBe(1);
    expect(npmStart.stderr).toContain('dist/ is missing');
    // `npm install --omit=dev` itself (the prepare script) does not fail.
    expect(spawnSync(process.execPath, ['scripts/build.mjs', '--prepare'], { cwd: dir, encoding: 'utf8' }).status).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

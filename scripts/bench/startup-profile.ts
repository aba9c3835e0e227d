/**
 * Where the start-up time goes: starts the full bot once with `--cpu-prof` (from dist/ file by
 * file, `node dist/index.js`, so that module loading shows per package; `npm start` runs the
 * same code bundled, dist/calfbot.js), waits for the first answered turn, stops it, and splits the
 * main thread's CPU profile into phases: module loading (per package), config, database,
 * intent recognizer, dialog content, triage lexicon, service wiring, the first turn, GC.
 * The profiler slows everything by ~10-20%; the shares are what matter.
 *
 *   npx tsx scripts/bench/startup-profile.ts [--first-start]     (run `npm run build` first)
 *
 * `--first-start` runs in a folder without a model cache (data/cache/), so the recognizer trains.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from './proc';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

export interface StartupPhase {
  phase: string;
  ms: number;
}

/** Named phases: the first that appears anywhere on a sample's stack wins (in this order). */
const PHASES: [string, RegExp][] = [
  ['intent recognizer (read model cache, or train)', /^loadRecognizer$/],
  ['dialog content (YAML, checks)', /^loadContent$/],
  ['triage lexicon', /^loadTriage$/],
  ['database: open + migrations', /^openDatabase$/],
  ['config validation', /^parseConfig$/],
];

const pkgOf = (url: string): string | null => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  return m ? m[1]! : null;
};

/** Milliseconds of main-thread CPU per phase, largest first. */
export function phasesOf(profile: Profile): StartupPhase[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stackCache = new Map<number, string>();
  const classify = (leaf: number): string => {
    const cached = stackCache.get(leaf);
    if (cached) return cached;
    const stack: Node[] = [];
    for (let cur: number | undefined = leaf; cur !== undefined; cur = parent.get(cur)) stack.unshift(byId.get(cur)!);
    const names = stack.map((n) => n.callFrame.functionName);
    const leafName = names[names.length - 1] ?? '';
    let phase: string | undefined = PHASES.find(([, re]) => names.some((f) => re.test(f)))?.[0];
    if (!phase && stack.some((n) => n.callFrame.functionName === 'require' && n.callFrame.url.startsWith('node:internal'))) {
      const pkg = stack.map((n) => pkgOf(n.callFrame.url)).find((p) => p !== null);
      phase = `loading modules: ${pkg ?? 'project code, Node built-ins'}`;
    }
    if (!phase && names.some((f) => /^(createBotApp|createAdapter|createServer|startService)$/.test(f))) phase = 'service wiring (dialogs, adapter, routes, listen)';
    if (!phase && stack.some((n) => /restify|botbuilder|dist\/(bot|middleware|dialogs)/.test(n.callFrame.url))) phase = 'first turn (HTTP, middleware, dialogs)';
    if (!phase && leafName === '(garbage collector)') phase = 'garbage collection';
    if (!phase && leafName === '(idle)') phase = '(idle: waiting)';
    phase ??= 'other (V8, Node bootstrap, I/O)';
    stackCache.set(leaf, phase);
    return phase;
  };
  const ms = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const p = classify(id);
    ms.set(p, (ms.get(p) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...ms].map(([phase, v]) => ({ phase, ms: Math.round(v) })).sort((a, b) => b.ms - a.ms);
}

/** Starts `node <args>` with the CPU profiler, waits for the first answer, returns the phases. */
export async function profileStartup(root: string, args: string[], env: Record<string, string>, firstStart = false): Promise<{ startupMs: number; phases: StartupPhase[] }> {
  const tmp = mkdtempSync(join(tmpdir(), 'calfbot-startprof-'));
  try {
    let cwd = root;
    if (firstStart) {
      cwd = join(tmp, 'cwd');
      mkdirSync(cwd);
      for (const d of ['intents', 'dialogs']) symlinkSync(join(root, d), join(cwd, d));
    }
    const full = args.map((a) => (a.startsWith('-') ? a : resolve(root, a)));
    const s = await startServer({ name: 'startup-profile', command: process.execPath, args: ['--cpu-prof', '--cpu-prof-dir', join(tmp, 'prof'), ...full], cwd, env: { ...env, DATABASE_URL: `sqlite:${join(tmp, 'bot.db')}` }, timeoutMs: 20_000 });
    await s.stop();
    const file = readdirSync(join(tmp, 'prof')).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('no CPU profile written');
    return { startupMs: Math.round(s.startupMs), phases: phasesOf(JSON.parse(readFileSync(join(tmp, 'prof', file), 'utf8')) as Profile) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const root = resolve(__dirname, '../..');
  const firstStart = process.argv.includes('--first-start');
  profileStartup(root, ['--disable-warning=DEP0111', 'dist/index.js'], { LOG_LEVEL: 'warn', NODE_ENV: 'production', MicrosoftAppId: '', MicrosoftAppPassword: '', DIRECT_LINE_SECRET: '', ESCALATION_WEBHOOK_URL: '' }, firstStart)
    .then(({ startupMs, phases }) => {
      const busy = phases.filter((p) => !p.phase.startsWith('(idle')).reduce((a, p) => a + p.ms, 0);
      process.stdout.write(`start-up ${startupMs} ms with the profiler on; main thread busy ${busy} ms:\n`);
      for (const p of phases) process.stdout.write(`${String(p.ms).padStart(6)} ms  ${p.phase}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}

/**
 * A/B of two builds of the full bot (SQLite), measured in alternating slices on the same
 * machine at the same time, so a change in the shared machine's load falls on both alike:
 *
 *   node scripts/build.mjs && cp -r dist /tmp/ab-base/dist   # the "before" build
 *   ln -s "$PWD/public" "$PWD/node_modules" /tmp/ab-base/     # the widget's files, found next to dist/
 *   ... change the code ...
 *   npx tsx scripts/bench/ab.ts --a /tmp/ab-base/dist --b dist [--peer] [--rounds 6] [--seconds 4]
 *
 * A build outside the project finds the project's node_modules through NODE_PATH; both run
 * in the project folder (intents/, dialogs/, triage/, data/cache/) with `npm start`'s flags
 * and the bench's environment, each on its own SQLite file. Prints CPU ms/turn of every
 * slice and the medians (`--parallel` loads them at the same time instead). `--peer` adds the core-bot-style peer to the rotation; `--profile
 * <dir>` writes a V8 CPU profile of each server (read with profile-top.ts, profile-components.ts).
 * `--postgres` runs both builds on PostgreSQL (BENCH_POSTGRES_URL, as the bench), each on a
 * fresh schema of its own, dropped afterwards; each slice then also shows the PostgreSQL
 * server's CPU per turn (every local `postgres` process: backends, WAL writer, checkpointer),
 * which the bot's own figure leaves out although it shares the machine's cores.
 * `--a-node-flags "<flags>"` / `--b-node-flags "<flags>"` start that build with extra Node
 * flags (e.g. `--b-node-flags "--max-semi-space-size=32"`: the same build, two heap settings).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { runLoad } from './load';
import { createSchema, dropSchema, postgresUrl } from './postgres';
import { commandCpuMs, killAll, sampleRss, startServer, type Server } from './proc';
import { QUIET_SERVER_ENV } from './serverEnv';
import { median } from './stats';

const ROOT = resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const rounds = Number(opt('rounds', '6'));
const seconds = Number(opt('seconds', '4'));
const warmup = Number(opt('warmup', '2'));
const connections = Number(opt('connections', '50'));
const withPeer = args.includes('--peer');
/** `--parallel`: load every server at the same time instead of in turns (for a machine whose load changes by the second). */
const parallel = args.includes('--parallel');
/** `--profile <dir>`: a V8 CPU profile of every server, in <dir>/<A|B|peer>/. */
const profileDir = opt('profile', '');
/** `--postgres`: both builds on PostgreSQL instead of SQLite. */
const postgres = args.includes('--postgres');
const prof = (name: string): string[] => (profileDir ? ['--cpu-prof', '--cpu-prof-dir', join(resolve(profileDir), name)] : []);

const env = { ...QUIET_SERVER_ENV, NODE_PATH: join(ROOT, 'node_modules') };

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'calfbot-ab-'));
  process.once('exit', () => rmSync(tmp, { recursive: true, force: true }));
  process.once('SIGINT', () => { killAll(); process.exit(130); });
  const runId = Date.now().toString(36);
  const servers: { label: string; server: Server }[] = [];
  const schemas: string[] = [];
  const databaseUrl = async (label: string): Promise<string> => {
    if (!postgres) return `sqlite:${join(tmp, `${label}.db`)}`;
    const schema = `ab_${runId}_${label.toLowerCase()}`;
    const created = await createSchema(postgresUrl(), schema);
    if (created !== true) throw new Error(created);
    schemas.push(schema);
    const url = new URL(postgresUrl());
    url.searchParams.set('schema', schema);
    return url.toString();
  };
  try {
    for (const [label, dir] of [['A', opt('a', '')], ['B', opt('b', 'dist')]] as const) {
      if (!dir) throw new Error('--a <dist folder> is required');
      const index = join(resolve(dir), 'index.js');
      const flags = opt(`${label.toLowerCase()}-node-flags`, '').split(/\s+/).filter(Boolean);
      servers.push({ label: `${label} ${dir}${flags.length ? ` ${flags.join(' ')}` : ''}`, server: await startServer({ name: label, command: process.execPath, args: [...prof(label), '--disable-warning=DEP0111', ...flags, index], cwd: ROOT, env: { ...env, DATABASE_URL: await databaseUrl(label) } }) });
    }
    if (withPeer) {
      const file = join(tmp, 'peer-bot.js');
      buildSync({ entryPoints: [join(ROOT, 'scripts/bench/peer-bot.ts')], outfile: file, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning' });
      servers.push({ label: 'peer', server: await startServer({ name: 'peer', command: process.execPath, args: [...prof('peer'), file], cwd: ROOT, env: { ...env, NODE_PATH: [env.NODE_PATH, process.env.NODE_PATH].filter(Boolean).join(delimiter) } }) });
    }
    for (const s of servers) await runLoad({ url: s.server.url, label: `${s.label} warm-up`, connections, seconds: warmup, idPrefix: `${runId}-${s.server.name}-w` });
    const cpu = servers.map(() => [] as number[]);
    const dbCpu = servers.map(() => [] as number[]);
    const rate = servers.map(() => [] as number[]);
    const slice = async (i: number, r: number): Promise<void> => {
      const s = servers[i]!;
      const rss = sampleRss(s.server.pid);
      const db0 = postgres ? commandCpuMs('postgres') : 0;
      const load = await runLoad({ url: s.server.url, label: s.label, connections, seconds, idPrefix: `${runId}-${s.server.name}-${r}` });
      const { cpuMs } = rss.stop();
      const dbPerTurn = load.turns > 0 && postgres ? (commandCpuMs('postgres') - db0) / load.turns : NaN;
      dbCpu[i]!.push(dbPerTurn);
      rate[i]!.push(load.turnsPerSec);
      if (load.errors.total > 0) console.error(`  ${s.label}: ${load.errors.total} errors ${JSON.stringify(load.statusCodes)} ${load.errorSamples[0] ?? ''}`);
      const perTurn = load.turns > 0 ? cpuMs / load.turns : NaN;
      cpu[i]!.push(perTurn);
      const db = postgres ? `, PostgreSQL ${dbPerTurn.toFixed(3)} ms/turn` : '';
      console.error(`  round ${r + 1} ${s.label}: ${Math.round(load.turnsPerSec)} turns/s, CPU ${perTurn.toFixed(3)} ms/turn${db}`);
    };
    for (let r = 0; r < rounds; r++) {
      if (parallel) {
        // all at once: whatever else the machine does falls on every server alike
        await Promise.all(servers.map((_, i) => slice(i, r)));
        continue;
      }
      // alternate the order too, so neither side always follows the other
      const order = r % 2 ? [...servers.keys()].reverse() : [...servers.keys()];
      for (const i of order) await slice(i, r);
    }
    for (const [i, s] of servers.entries()) console.log(`${s.label}: median CPU ${median(cpu[i]!).toFixed(3)} ms/turn (${cpu[i]!.map((x) => x.toFixed(2)).join(' ')}), median ${Math.round(median(rate[i]!))} turns/s`);
    const [a, b] = [median(cpu[0]!), median(cpu[1]!)];
    console.log(`B/A CPU per turn: ${(b / a).toFixed(3)}; per round: ${cpu[0]!.map((x, r) => (cpu[1]![r]! / x).toFixed(3)).join(' ')}`);
    if (postgres) {
      for (const [i, s] of servers.entries()) if (i < 2) console.log(`${s.label}: median PostgreSQL server CPU ${median(dbCpu[i]!).toFixed(3)} ms/turn (${dbCpu[i]!.map((x) => x.toFixed(2)).join(' ')})`);
      const [da, db] = [median(dbCpu[0]!), median(dbCpu[1]!)];
      const both = (i: number): number => median(cpu[i]!.map((x, r) => x + dbCpu[i]![r]!));
      console.log(`B/A PostgreSQL server CPU per turn: ${(db / da).toFixed(3)}; bot + server: ${(both(1) / both(0)).toFixed(3)} (${both(0).toFixed(3)} → ${both(1).toFixed(3)} ms/turn)`);
    }
  } finally {
    for (const s of servers) await s.server.stop();
    for (const schema of schemas) await dropSchema(postgresUrl(), schema);
  }
}

main().catch((err) => {
  killAll();
  console.error(err);
  process.exit(1);
});

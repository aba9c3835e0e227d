/** Machine description, targets, and the markdown/console summaries of a benchmark run. */
import { cpus, loadavg, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import type { LoadResult } from './load';
import type { ProbeReport } from './proc';
import type { StartupPhase } from './startup-profile';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGB: number;
  node: string;
  platform: string;
  date: string;
  commit: string;
  /** 1-minute load average when the run started: other work on the machine skews the numbers. */
  loadAverageAtStart: number;
}

export function describeMachine(): Machine {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const c = cpus();
  return {
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    commit,
    loadAverageAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

export interface ServerRun extends LoadResult {
  server: string;
  startupMs: number;
  peakRssMB: number;
  /** Server CPU time (user + system, all threads) per turn: robust to other load on the machine. */
  cpuMsPerTurn: number;
  /** Event-loop delay in the server during the measured run (loop-probe.mjs). */
  loop?: ProbeReport['loop'];
  /** GC pauses in the server during the measured run. */
  gc?: ProbeReport['gc'];
}

/** One server under the tail phase's fixed offered load. */
export interface TailRun {
  label: string;
  server: string;
  /** Offered turns/s. */
  rate: number;
  turnsPerSec: number;
  latencyMs: LoadResult['latencyMs'];
  errors: number;
  loop: ProbeReport['loop'] | null;
  gc: ProbeReport['gc'] | null;
  /** What the slowest 1% of turns were (scripts/bench.ts, slowestTurns). */
  slowest?: TailSlowest;
  /** The load generator's own event-loop delay maximum over the server's slices (a stall there delays reading answers). */
  generatorLoopMaxMs?: number;
  /**
   * CPU that neither this server nor the load generator used during its slices, as a share of one core (other processes
   * on the shared cores: the PostgreSQL server's background work, the idle servers, the system): the mean, and the busiest slice.
   */
  otherCpu?: { meanShare: number; maxShare: number };
}

export interface TailSlowest {
  turns: number;
  /** Distinct bursts (due times more than 50 ms apart) the slowest turns fall in. */
  bursts: number;
  byTurn: { turn: string; count: number; shareOfAll: number }[];
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  pass: boolean;
  /** Informational lines do not decide the overall result. */
  informational?: boolean;
}

export interface StartupVariant {
  command: string;
  runsMs: number[];
  medianMs: number;
  /** CPU time of the server process tree until the first answer, median. */
  medianCpuMs: number;
  /** Set when the command did not start. */
  error?: string;
}

export interface Results {
  machine: Machine;
  settings: Record<string, unknown>;
  runs: ServerRun[];
  postgres: { skipped: string } | null;
  classifier: { perSec: number; utterances: number; heldoutTexts: number; loadMs: number } | { error: string };
  startup: StartupVariant[];
  /** One CPU-profiled start of `node dist/index.js`: main-thread time per phase (scripts/bench/startup-profile.ts). */
  startupProfile: { startupMs: number; phases: StartupPhase[] } | { error: string } | null;
  /** Every baseline and the full bot (SQLite) at the same fixed offered load. */
  tail?: { rate: number; runs: TailRun[] } | null;
  memory: { conversations: number; target: number; capped: boolean; rssBeforeMB: number; rssMB: number; restRssMB: number; restSeconds: number; peakRssMB: number; turnsPerSec: number; afterFullGc: { rssMB: number; heapUsedMB: number } | null;
    /** Then self-hosted Direct Line conversations as the widget makes them (scripts/bench/directline.ts). */
    widget?: { conversations: number; failed: number; target: number; capped: boolean; rssMB: number; restRssMB: number; restSeconds: number; peakRssMB: number } } | null;
  /** Widget cold open: bytes on the wire for the chat page, its script, Web Chat and the favicon (scripts/bench/widget.ts). */
  widget?: { totalBytes: number; files: { path: string; bytes: number; encoding: string | null }[]; welcomeMs: number | null } | { error: string } | null;
  targets: Target[];
  wallSeconds: number;
}

const f0 = (n: number): string => Math.round(n).toLocaleString('en-US');
const f1 = (n: number): string => (Math.round(n * 10) / 10).toFixed(1);

export function markdown(r: Results): string {
  const m = r.machine;
  const lines: string[] = [];
  lines.push(`Measured ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cores} × ${m.cpuModel}, ${m.memoryGB} GB, Node ${m.node} (${m.platform}), commit ${m.commit}; load average ${m.loadAverageAtStart} at start.`);
  lines.push(`Load: autocannon, ${String(r.settings.connections)} connections, ${String(r.settings.seconds)} s after ${String(r.settings.warmupSeconds)} s warm-up, multi-turn scripts (${(r.settings.scripts as string[]).join(', ')}), a new conversation id per replay, \`deliveryMode: expectReplies\`.`);
  lines.push('');
  lines.push('As fast as each server answers (closed loop: every connection sends its next turn when the last is answered), so latency here is mostly queueing.');
  lines.push('');
  lines.push('| Server | Turns/s | vs echo | vs peer | p50 ms | p99 ms | CPU ms/turn | Loop delay p50 / p99 / max ms | GC pauses (longest ms) | Bytes/turn | Peak RSS MB | Errors |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const echo = r.runs.find((x) => x.server === 'echo');
  const peer = r.runs.find((x) => x.server === 'peer');
  const loop = (l: ProbeReport['loop'] | null | undefined): string => (l ? `${l.p50} / ${l.p99} / ${l.max}` : '');
  const gc = (g: ProbeReport['gc'] | null | undefined): string => (g ? `${g.count} (${g.maxMs})` : '');
  for (const run of r.runs) {
    const ratio = (base: ServerRun | undefined): string => (!base || base === run ? '—' : `${(run.turnsPerSec / base.turnsPerSec).toFixed(2)}×`);
    lines.push(`| ${run.label} | ${f0(run.turnsPerSec)} | ${ratio(echo)} | ${ratio(peer)} | ${run.latencyMs.p50} | ${run.latencyMs.p99} | ${run.cpuMsPerTurn.toFixed(2)} | ${loop(run.loop)} | ${gc(run.gc)} | ${f0(run.bytesPerTurn)} | ${f0(run.peakRssMB)} | ${run.errors.total} |`);
  }
  if (r.postgres && 'skipped' in r.postgres) lines.push(`| full bot, PostgreSQL | skipped: ${r.postgres.skipped} | | | | | | | | | | |`);
  lines.push('');
  if (r.tail) {
    lines.push(`Tail: the same offered load, ${f0(r.tail.rate)} turns/s (half the full bot's throughput above), for every server; latency without queueing, and the event-loop delay and GC pauses behind its tail.`);
    lines.push('');
    lines.push('| Server | Turns/s | p50 ms | p97.5 ms | p99 ms | max ms | p99 vs echo | Loop delay p50 / p99 / max ms | GC pauses, total ms, longest (major) ms | Other processes\' CPU, mean / busiest slice (% of a core) | Errors |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    const tailEcho = r.tail.runs.find((x) => x.server === 'echo');
    for (const t of r.tail.runs) {
      const p99r = tailEcho && t !== tailEcho && tailEcho.latencyMs.p99 > 0 ? `${(t.latencyMs.p99 / tailEcho.latencyMs.p99).toFixed(2)}×` : '—';
      lines.push(`| ${t.label} | ${f0(t.turnsPerSec)} | ${t.latencyMs.p50} | ${t.latencyMs.p97_5} | ${t.latencyMs.p99} | ${t.latencyMs.max} | ${p99r} | ${loop(t.loop)} | ${t.gc ? `${t.gc.count}, ${t.gc.totalMs}, ${t.gc.maxMs} (${t.gc.majorMaxMs})` : ''} | ${t.otherCpu ? `${Math.round(t.otherCpu.meanShare * 100)} / ${Math.round(t.otherCpu.maxShare * 100)}` : ''} | ${t.errors} |`);
    }
    lines.push('');
  }
  lines.push('| Measure | Result |');
  lines.push('|---|---|');
  if (r.widget && 'totalBytes' in r.widget) lines.push(`| Widget cold open: bytes transferred (chat page, script, Web Chat, favicon; br/gzip) | ${f0(r.widget.totalBytes)} |`);
  if (r.widget && 'totalBytes' in r.widget && r.widget.welcomeMs !== null) lines.push(`| Widget cold open over Fast 3G: welcome painted after the click | ${f0(r.widget.welcomeMs)} ms |`);
  if ('perSec' in r.classifier) lines.push(`| Classifier (one core, held-out texts repeated) | ${f0(r.classifier.perSec)} utterances/s (model load ${f0(r.classifier.loadMs)} ms) |`);
  else lines.push(`| Classifier | not measured: ${r.classifier.error} |`);
  for (const s of r.startup) if (s.error) lines.push(`| Start-up: \`${s.command}\` | failed: ${s.error} |`); else lines.push(`| Start-up to first answered turn: \`${s.command}\` | ${f0(s.medianMs)} ms (median of ${s.runsMs.length}; ${f0(s.medianCpuMs)} ms CPU) |`);
  if (r.startupProfile && 'phases' in r.startupProfile) {
    const shown = r.startupProfile.phases.filter((p) => p.ms >= 10 && !p.phase.startsWith('(idle'));
    const rest = r.startupProfile.phases.filter((p) => p.ms < 10 && !p.phase.startsWith('(idle')).reduce((a, p) => a + p.ms, 0);
    const parts = [...shown.map((p) => `${p.phase} ${p.ms}`), ...(rest > 0 ? [`smaller parts ${rest}`] : [])];
    lines.push(`| Start-up breakdown, ms of main-thread CPU (\`node dist/index.js\`, dist/ file by file so each package shows, one start under the CPU profiler: ${f0(r.startupProfile.startupMs)} ms) | ${parts.join('; ')} |`);
  }
  if (r.memory) lines.push(`| RSS after ${f0(r.memory.conversations)} distinct conversations (SQLite)${r.memory.capped ? ` (time cap hit before ${f0(r.memory.target)})` : ''} | ${f0(r.memory.restRssMB)} MB at rest, ${r.memory.restSeconds} s after them (${f0(r.memory.rssBeforeMB)} MB before them, ${f0(r.memory.rssMB)} MB right after, peak ${f0(r.memory.peakRssMB)} MB${r.memory.afterFullGc ? `; after a forced full GC: ${f0(r.memory.afterFullGc.rssMB)} MB, live JS heap ${f0(r.memory.afterFullGc.heapUsedMB)} MB` : ''}) |`);
  const w = r.memory?.widget;
  if (w) lines.push(`| RSS after ${f0(w.conversations)} more Direct Line conversations as the widget makes them (token, start, message, polling)${w.capped ? ` (time cap hit before ${f0(w.target)})` : ''}${w.failed ? `, ${f0(w.failed)} failed` : ''} | ${f0(w.restRssMB)} MB at rest, ${w.restSeconds} s after them (${f0(w.rssMB)} MB right after, peak ${f0(w.peakRssMB)} MB) |`);
  lines.push('');
  lines.push('| Target | Goal | Measured | Result |');
  lines.push('|---|---|---|---|');
  for (const t of r.targets) lines.push(`| ${t.name} | ${t.target} | ${t.measured} | ${t.pass ? 'PASS' : 'MISS'}${t.informational ? ' (info)' : ''} |`);
  lines.push('');
  return lines.join('\n');
}

export function summary(r: Results, written: boolean): string {
  const out: string[] = ['', '== Summary'];
  for (const run of r.runs) {
    out.push(`  ${run.label.padEnd(24)} ${f0(run.turnsPerSec).padStart(6)} turns/s  p50 ${String(run.latencyMs.p50).padStart(4)} ms  p97.5 ${String(run.latencyMs.p97_5).padStart(4)} ms  p99 ${String(run.latencyMs.p99).padStart(4)} ms  CPU ${run.cpuMsPerTurn.toFixed(2)} ms/turn  peak RSS ${f1(run.peakRssMB)} MB  errors ${run.errors.total}`);
  }
  out.push('');
  for (const t of r.targets) out.push(`  ${t.pass ? 'PASS' : 'MISS'}${t.informational ? ' (info)' : '       '} ${t.name}: ${t.measured} (target ${t.target})`);
  const decisive = r.targets.filter((t) => !t.informational);
  const missed = decisive.filter((t) => !t.pass).length;
  out.push('');
  out.push(missed === 0 ? `  All ${decisive.length} targets met.` : `  ${missed} of ${decisive.length} targets missed.`);
  out.push(`  Wall time ${f1(r.wallSeconds)} s.${written ? ' Wrote bench/results.json and bench/results.md.' : ''}`);
  return out.join('\n');
}

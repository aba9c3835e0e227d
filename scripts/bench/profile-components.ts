/**
 * Where a turn's CPU goes, by component: each sample of a V8 CPU profile (`npm run bench
 * -- --profile`) is given to the innermost frame on its stack that belongs to a known
 * component (a JSON.stringify called by the state layer counts as state; botbuilder code
 * called by the dialogs as adapter), so the shares add up to 100% of the main thread.
 *
 *   npx tsx scripts/bench/profile-components.ts <file.cpuprofile> [skip-ms]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** First match wins, tested on each frame from the innermost outwards. */
const COMPONENTS: [string, (fn: string, url: string) => boolean][] = [
  ['GC', (fn) => fn === '(garbage collector)'],
  ['idle', (fn) => fn === '(idle)'],
  ['storage: SQL writes (group commit)', (fn, url) => /storage\/(sqlite|postgres)\.js$/.test(url) && /^(apply|commit|writeOne|sqliteTransaction)$/.test(fn)],
  ['storage: state read (SQL + JSON)', (fn, url) => /storage\/(sqlite|postgres)\.js$/.test(url) && fn === 'read'],
  ['transcript: redaction + copy', (_fn, url) => /storage\/(transcriptCommon|redact|redactNames)\.js$/.test(url) || /turn\/2-transcript\.js$/.test(url)],
  ['state: change check, eTags, outbox layer, retry', (_fn, url) => /(storage\/(durable|concurrency|itemJson|groupCommit|outbox)|turn\/(conversationState|retry))\.js$/.test(url)],
  ['storage: other', (_fn, url) => /storage\//.test(url) || /better-sqlite3|node_modules\/pg/.test(url)],
  ['triage', (_fn, url) => /\/triage\/|turn\/3-triage|turn\/5-afterEscalation|turn\/escalat/.test(url)],
  ['NLU (intent recognizer)', (_fn, url) => /\/nlu\//.test(url) || /node_modules\/natural\//.test(url)],
  ['prompt recognizers (recognizers-text)', (_fn, url) => /@microsoft\/recognizers-text|cldrjs|globalize/.test(url)],
  ['dialogs (project + botbuilder-dialogs)', (_fn, url) => /\/dialogs\/|botbuilder-dialogs|content\//.test(url)],
  ['validation (zod, activity checks)', (_fn, url) => /node_modules\/zod\/|(http|web\/request)\/(activitySchema|jsonLimits)/.test(url)],
  ['rate limits, input guard', (_fn, url) => /turn\/4-inputGuard|(http|web\/request)\/(limits|ipRateLimit|clientAddress)|rate-limiter-flexible/.test(url)],
  ['adapter, TurnContext, connector', (_fn, url) => /botbuilder-core|botbuilder\/|botframework-|@azure\/|@typespec\/|botbuilder-stdlib|\/adapter\.js$/.test(url)],
  ['logging', (_fn, url) => /node_modules\/(pino|sonic-boom)|\/logger\.js$/.test(url)],
  ['HTTP (restify, node:http, sockets)', (fn, url) => /restify|node:_http|node:net|node:internal\/(streams|http)|(http|web|web\/request)\/(messages|respond|compression|securityHeaders|server)\.js/.test(url) || /^(writev|writeString|writeBuffer|parserOnIncoming)$/.test(fn)],
  ['project code, other', (_fn, url) => /\/dist\/|\/src\//.test(url)],
];

export function components(profile: Profile, skipMs = 0): { total: number; windowMs: number; shares: [string, number][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, string>();
  const classify = (id: number): string => {
    const known = memo.get(id);
    if (known) return known;
    let out = 'other (V8, Node internals)';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (!f) continue;
      const hit = COMPONENTS.find(([, test]) => test(f.functionName, f.url));
      if (hit) {
        out = hit[0];
        break;
      }
    }
    memo.set(id, out);
    return out;
  };
  const us = new Map<string, number>();
  let clock = 0;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    clock += dt;
    if (clock < skipMs * 1000) return;
    const c = classify(id);
    us.set(c, (us.get(c) ?? 0) + dt);
    if (c !== 'idle') total += dt;
  });
  us.delete('idle');
  return { total, windowMs: Math.max(0, clock / 1000 - skipMs), shares: [...us].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / total]) };
}

if (process.argv[1]?.endsWith('profile-components.ts')) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: profile-components.ts <file.cpuprofile> [skip-ms]\n');
    process.exit(2);
  }
  const { total, windowMs, shares } = components(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 0));
  process.stdout.write(`busy main-thread time ${(total / 1000).toFixed(0)} ms of a ${(windowMs / 1000).toFixed(1)} s window (idle left out)\n`);
  for (const [k, share] of shares) process.stdout.write(`${(share * 100).toFixed(1).padStart(5)}%  ${k}\n`);
}

/**
 * Summarise a V8 CPU profile (`node --cpu-prof`): the functions with the most self time.
 *
 *   npx tsx scripts/bench/profile-top.ts bench/profiles/x.cpuprofile [count] [skip-ms]
 *
 * `skip-ms` drops the first milliseconds of the profile (start-up), to look at the load only.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: profile-top.ts <file.cpuprofile> [count]\n');
  process.exit(2);
}
const count = Number(process.argv[3] ?? 25);
const skipUs = Number(process.argv[4] ?? 0) * 1000;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
let clock = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  clock += dt;
  if (clock >= skipUs) self.set(id, (self.get(id) ?? 0) + dt);
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

const short = (url: string): string => url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm:').replace(/.*\/work\/main\//, '');
const agg = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id);
  if (!n) continue;
  const f = n.callFrame;
  const key = `${f.functionName || '(anonymous)'}  ${short(f.url)}:${f.lineNumber + 1}`;
  agg.set(key, (agg.get(key) ?? 0) + us);
  const url = short(f.url);
  const pkg = url.startsWith('nm:') ? url.slice(3).split('/').slice(0, url.slice(3).startsWith('@') ? 2 : 1).join('/') : url.startsWith('src/') ? url.split('/').slice(0, 2).join('/') : url || f.functionName;
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}
// inclusive time: every function on the stack of a sample gets the sample's time (once per sample)
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const keyOf = (n: ProfileNode): string => `${n.callFrame.functionName || '(anonymous)'}  ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const inclusive = new Map<string, number>();
for (const [id, us] of self) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur);
    if (!n || n.callFrame.functionName === '(root)') continue;
    const k = keyOf(n);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}

const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
process.stdout.write(`total ${(total / 1000).toFixed(0)} ms sampled\n\n-- self time by function\n`);
for (const [k, us] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, count)) process.stdout.write(`${pct(us)}  ${k}\n`);
process.stdout.write('\n-- inclusive time (self + callees) of project and botbuilder functions\n');
const interesting = /(src\/|scripts\/|nm:botbuilder|nm:better-sqlite3|nm:restify|nm:pg)/;
for (const [k, us] of [...inclusive].filter(([k]) => interesting.test(k)).sort((a, b) => b[1] - a[1]).slice(0, count * 2)) process.stdout.write(`${pct(us)}  ${k}\n`);
process.stdout.write('\n-- self time by package / source folder\n');
for (const [k, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, count)) process.stdout.write(`${pct(us)}  ${k}\n`);

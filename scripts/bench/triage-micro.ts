/**
 * Triage alone, per message: `assess` (rules, negation, detector) over three sets of
 * messages, from a given build, so two builds can be run side by side:
 *
 *   node scripts/build.mjs
 *   npx tsx scripts/bench/triage-micro.ts [dist folder] [seconds per set] [set,set…]
 *
 * Sets: `dev` (every dev*\/redflags.yaml and benign.yaml: patient messages, 100-400
 * characters), `chat` (the bench's conversations and the regression table's short
 * messages) and `long` (the development sets' messages joined in threes). One warm-up
 * pass first (typo corrections are remembered, as in a running bot). Prints µs per message.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { SCRIPTS } from './conversations';

const dist = resolve(process.argv[2] ?? 'dist');
const seconds = Number(process.argv[3] ?? 3);
const only = process.argv[4]?.split(',');

/* eslint-disable @typescript-eslint/no-require-imports */
const { loadTriage } = require(join(dist, 'triage', 'index.js')) as typeof import('../../src/triage');
/* eslint-enable @typescript-eslint/no-require-imports */

function devTexts(): string[] {
  const texts: string[] = [];
  for (const dir of readdirSync('tests/data', { withFileTypes: true }).filter((d) => d.isDirectory() && /^dev\d*$/.test(d.name))) {
    for (const file of ['redflags.yaml', 'benign.yaml']) {
      const path = `tests/data/${dir.name}/${file}`;
      if (existsSync(path)) texts.push(...(parse(readFileSync(path, 'utf8')) as { cases: { text: string }[] }).cases.map((c) => c.text));
    }
  }
  return texts;
}

function chatTexts(): string[] {
  const table = parse(readFileSync('tests/data/triage-cases.yaml', 'utf8')) as { red_flags: { text: string }[]; benign: { text: string }[] };
  const short = [...table.red_flags, ...table.benign].map((c) => c.text).filter((t) => t.length <= 60);
  const bench = SCRIPTS.flatMap((s) => s.turns.flatMap((t) => (t.text ? [t.text] : [])));
  return [...bench, ...short];
}

const dev = devTexts();
const sets: [string, string[]][] = [
  ['chat', chatTexts()],
  ['dev', dev],
  ['long', dev.flatMap((t, i) => (i % 3 === 0 ? [[t, dev[i + 1] ?? '', dev[i + 2] ?? ''].join(' ')] : []))],
];

const triage = loadTriage('triage', { cacheDir: 'data/cache' });
const out: string[] = [];
for (const [name, texts] of sets.filter(([n]) => !only || only.includes(n))) {
  for (const t of texts) triage.assess(t);
  let n = 0;
  const start = process.cpuUsage();
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    for (const t of texts) triage.assess(t);
    n += texts.length;
  }
  const used = process.cpuUsage(start);
  out.push(`${name} ${((used.user + used.system) / n).toFixed(1)} µs/msg (${texts.length} msgs, ${n} runs)`);
}
process.stderr.write(out.join('; ') + '\n');

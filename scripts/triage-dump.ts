/**
 * What triage finds on every message the project has, one JSON line per message: the
 * assessment (`loadTriage('triage').assess`) and the matcher's analysis (`analyse`:
 * normalised text, occurrences with negation, fired rules, level, discounted
 * conditions). Run it before and after a change to triage's code and diff the two
 * files: a change that is meant to be faster only must leave them identical.
 *
 *   npx tsx scripts/triage-dump.ts > /tmp/before.jsonl
 *
 * The messages: every string in tests/data/**\/*.yaml and *.json (whatever its field: case texts,
 * script turns, paraphrases), tests/data/triage-cases.yaml, triage/detector/train.yaml,
 * and the bench's conversations.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadTriage } from '../src/triage';
import { SCRIPTS } from './bench/conversations';

function strings(node: unknown, out: Set<string>): void {
  if (typeof node === 'string') out.add(node);
  else if (Array.isArray(node)) for (const x of node) strings(x, out);
  else if (node && typeof node === 'object') for (const v of Object.values(node)) strings(v, out);
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return yamlFiles(path);
    return /\.(ya?ml|json)$/.test(d.name) ? [path] : [];
  });
}

export function projectTexts(): string[] {
  const texts = new Set<string>();
  for (const file of [...yamlFiles('tests/data'), 'triage/detector/train.yaml']) strings(file.endsWith('.json') ? JSON.parse(readFileSync(file, 'utf8')) : parse(readFileSync(file, 'utf8')), texts);
  strings(SCRIPTS, texts);
  return [...texts];
}

if (require.main === module) {
  const triage = loadTriage('triage');
  const lines: string[] = [];
  for (const text of projectTexts()) {
    const r = triage.assess(text);
    const a = triage.analyse(text);
    lines.push(JSON.stringify({
      text,
      assess: r,
      analyse: { normalised: a.normalised, tokens: a.tokens, occurrences: a.occurrences, fired: a.fired.map((f) => `${f.condition}/${f.id}`), level: a.level, discounted: a.discounted },
    }));
  }
  process.stdout.write(lines.join('\n') + '\n');
  process.stderr.write(`${lines.length} messages\n`);
}

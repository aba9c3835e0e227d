/**
 * Checks the NLU model cache (src/nlu/modelCache.ts) and times it:
 * a recognizer rebuilt from the cache classifies exactly like a freshly trained one (same
 * intents, same scores, to the last bit) over the held-out and paraphrase sets; a truncated or
 * altered cache file is ignored and rewritten; an edited intent file trains again.
 * Exits non-zero on any failure.
 *
 *   node --import tsx scripts/bench/nlu-cache-check.ts
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadRecognizer, type CalfRecognizer } from '../../src/nlu/recognizer';
import { loadLabelledCases } from '../../src/nlu/trainingData';

const ROOT = resolve(__dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'calfbot-nlu-cache-'));
const intents = join(tmp, 'intents');
const cache = join(tmp, 'cache');
cpSync(join(ROOT, 'intents'), intents, { recursive: true });
let failures = 0;

function check(ok: boolean, what: string): void {
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
  if (!ok) failures++;
}

function timed(): { r: CalfRecognizer; ms: number } {
  const t0 = performance.now();
  const r = loadRecognizer(intents, {}, { cacheDir: cache });
  return { r, ms: performance.now() - t0 };
}

const texts = [
  ...loadLabelledCases(join(ROOT, 'tests/data/heldout.yaml')),
  ...loadLabelledCases(join(ROOT, 'tests/data/paraphrases.yaml')),
].map((c) => c.text);
texts.push('', '🙂', 'my clf hurtz wen i wakl', 'kne pain', 'how do i stretch my budget', 'x'.repeat(2000));

function same(a: CalfRecognizer, b: CalfRecognizer): boolean {
  return texts.every((t) => JSON.stringify(a.classify(t)) === JSON.stringify(b.classify(t)));
}

try {
  const t0 = performance.now();
  const trained = loadRecognizer(intents);
  const trainMs = performance.now() - t0;
  const miss = timed();
  check(!miss.r.fromSnapshot && readdirSync(cache).length === 1, 'first load trains and writes the cache');
  const hit = timed();
  check(hit.r.fromSnapshot, 'second load comes from the cache');
  check(same(trained, hit.r), `cached model classifies ${texts.length} texts exactly like a trained one`);
  process.stdout.write(`     load without cache ${Math.round(trainMs)} ms, with a miss ${Math.round(miss.ms)} ms, with a hit ${Math.round(hit.ms)} ms\n`);

  const file = join(cache, readdirSync(cache)[0]!);
  const good = readFileSync(file, 'utf8');
  writeFileSync(file, good.slice(0, good.length / 2));
  check(!timed().r.fromSnapshot, 'a truncated cache file is ignored (trains)');
  check(timed().r.fromSnapshot, '... and rewritten');
  // one weight changed, the file otherwise well-formed: only the checksum can tell
  writeFileSync(file, good.replace(/"bias":"(.)/, (_m, c: string) => `"bias":"${c === 'A' ? 'B' : 'A'}`));
  check(!timed().r.fromSnapshot, 'an altered cache file (one weight changed) is ignored');
  writeFileSync(file, 'not a cache');
  check(!timed().r.fromSnapshot, 'garbage is ignored');

  appendFileSync(join(intents, 'calf_cramp.yaml'), '  - my calf seized up like a brick in the pool\n');
  const edited = timed();
  check(!edited.r.fromSnapshot, 'an edited intent file trains again');
  check(same(loadRecognizer(intents), edited.r), '... and the result equals a fresh training on the edited files');
  check(readdirSync(cache).filter((f) => f.endsWith('.json')).length === 2, 'both versions are kept');
  check(!loadRecognizer(intents, { nbWeight: 0.3 }, { cacheDir: cache }).fromSnapshot, 'other options train again');
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.stdout.write(failures ? `${failures} check(s) failed\n` : 'all checks passed\n');
process.exitCode = failures ? 1 : 0;

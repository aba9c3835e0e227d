/**
 * Classifier throughput, one core, in-process: `loadRecognizer('intents').classify(text)`
 * over the held-out texts (tests/data/heldout.yaml), repeated. Prints one JSON line.
 *
 *   node --import tsx scripts/bench/classifier.ts [seconds]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';

interface Classifier {
  classify(text: string): unknown;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 2);
  const root = resolve(__dirname, '../..');
  const heldout = parse(readFileSync(resolve(root, 'tests/data/heldout.yaml'), 'utf8')) as { cases: { text: string }[] };
  const texts = heldout.cases.map((c) => c.text);

  const t0 = performance.now();
  const mod = (await import(pathToFileURL(resolve(root, 'src/nlu/recognizer.ts')).href)) as { loadRecognizer?: (dir: string) => unknown };
  if (typeof mod.loadRecognizer !== 'function') throw new Error('src/nlu/recognizer.ts does not export loadRecognizer(dir)');
  const recognizer = mod.loadRecognizer(resolve(root, 'intents')) as Partial<Classifier>;
  if (typeof recognizer.classify !== 'function') throw new Error('loadRecognizer() result has no classify(text)');
  const loadMs = performance.now() - t0;
  const classify = recognizer.classify.bind(recognizer);

  // warm-up: let the JIT settle
  const warmUntil = performance.now() + 500;
  let sink = 0;
  while (performance.now() < warmUntil) for (const t of texts) if (classify(t)) sink++;

  let n = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  while (performance.now() < until) {
    for (const t of texts) if (classify(t)) sink++;
    n += texts.length;
  }
  const elapsedS = (performance.now() - start) / 1000;
  process.stdout.write(`${JSON.stringify({ utterances: n, seconds: elapsedS, perSec: n / elapsedS, heldoutTexts: texts.length, loadMs, sink: sink > 0 })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`classifier bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

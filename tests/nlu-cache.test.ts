import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRecognizer, type CalfRecognizer } from '../src/nlu/recognizer';
import { loadLabelledCases } from '../src/nlu/trainingData';

/** The trained model is cached on disk so `npm start` need not train; it must never change an answer. */
describe('NLU model cache', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'calfbot-nlu-cache-'));
  const intents = join(tmp, 'intents');
  const cache = join(tmp, 'cache');
  cpSync('intents', intents, { recursive: true });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const load = (): CalfRecognizer => loadRecognizer(intents, {}, { cacheDir: cache });
  const texts = [
    ...loadLabelledCases('tests/data/heldout.yaml'),
    ...loadLabelledCases('tests/data/paraphrases.yaml'),
  ].map((c) => c.text).concat(['', '🙂', 'my clf hurtz wen i wakl', 'how do i stretch my budget', 'x'.repeat(2000)]);
  const answers = (r: CalfRecognizer): string[] => texts.map((t) => JSON.stringify(r.classify(t)));
  const cacheFile = (): string => join(cache, readdirSync(cache).find((f) => f.endsWith('.json'))!);

  it('trains once, then loads from the cache and answers exactly like a freshly trained model', () => {
    // The first load trains (what loadRecognizer does without a cache) and writes the file.
    const trained = load();
    expect(trained.fromSnapshot).toBe(false);
    const cached = load();
    expect(cached.fromSnapshot).toBe(true);
    expect(answers(cached)).toEqual(answers(trained));
  });

  it('ignores a truncated, altered or garbage cache file and trains instead', () => {
    const good = readFileSync(cacheFile(), 'utf8');
    writeFileSync(cacheFile(), good.slice(0, good.length / 2));
    expect(load().fromSnapshot).toBe(false);
    expect(load().fromSnapshot).toBe(true);
    // one weight changed, the file otherwise well-formed: only the checksum can tell
    writeFileSync(cacheFile(), good.replace(/"bias":"(.)/, (_m, c: string) => `"bias":"${c === 'A' ? 'B' : 'A'}`));
    expect(load().fromSnapshot).toBe(false);
    writeFileSync(cacheFile(), 'not a cache');
    expect(load().fromSnapshot).toBe(false);
  });

  it('trains again when an intent file changes, with no code change', () => {
    appendFileSync(join(intents, 'calf_cramp.yaml'), '  - my calf seized up like a brick in the pool\n');
    const edited = load();
    expect(edited.fromSnapshot).toBe(false);
    expect(answers(edited)).toEqual(answers(loadRecognizer(intents)));
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectorFeatures, loadDetector, type Detector } from '../src/triage/detector';
import { Matcher } from '../src/triage/matcher';
import { loadLexicon } from '../src/triage/lexicon';
import { parse, stringify } from 'yaml';

/** The red-flag detector's trained model is cached so a start need not train; it must never change a verdict. */
describe('red-flag detector cache', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'calfbot-detector-cache-'));
  const triage = join(tmp, 'triage');
  const cache = join(tmp, 'cache');
  cpSync('triage', triage, { recursive: true });
  // Every sixth training example: the cache is what is tested, and a smaller model trains in a fraction of the time.
  const trainFile = join(triage, 'detector', 'train.yaml');
  const full = parse(readFileSync(trainFile, 'utf8')) as { version: number; examples: unknown[] };
  writeFileSync(trainFile, stringify({ ...full, examples: full.examples.filter((_e, i) => i % 6 === 0) }));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const lexicon = loadLexicon(triage);
  const load = (): Detector => loadDetector(lexicon, triage, cache);
  const table = parse(readFileSync('tests/data/triage-cases.yaml', 'utf8')) as { red_flags: { text: string }[]; benign: { text: string }[] };
  const texts = [...table.red_flags, ...table.benign].map((c) => c.text).concat(['', 'x'.repeat(3000), 'my calf is swollen and hot after the flight']);
  const verdicts = (d: Detector): string[] => texts.map((t) => JSON.stringify(d.detect(t)));
  const cacheFiles = (): string[] => readdirSync(cache).filter((f) => f.endsWith('.json'));

  it('trains once, then loads from the cache and gives exactly the verdicts of a freshly trained detector', () => {
    // The first load trains (what loadDetector does without a cache) and writes the file.
    const trained = load();
    expect(trained.fromCache).toBe(false);
    const cached = load();
    expect(cached.fromCache).toBe(true);
    expect(verdicts(cached)).toEqual(verdicts(trained));
  });

  it('ignores a corrupt cache file and trains again', () => {
    const file = join(cache, cacheFiles()[0] ?? 'missing');
    writeFileSync(file, 'not a cache');
    expect(load().fromCache).toBe(false);
    expect(load().fromCache).toBe(true);
  });

  it('trains again when the training data changes', () => {
    appendFileSync(join(triage, 'detector', 'train.yaml'), '  - text: "my calf went numb and blue out of nowhere"\n    condition: acute_limb_ischaemia\n    level: emergency\n');
    expect(load().fromCache).toBe(false);
    expect(cacheFiles()).toHaveLength(2);
  });
});

/** A concept marked `detector: false` is read by the rules and never given to the classifier. */
describe('red-flag detector features', () => {
  const lexicon = loadLexicon('triage');
  const matcher = new Matcher(lexicon);
  const text = 'both my calves ache from running, but my left calf is swollen and hot';

  it('leave out a side named ("left calf"), which the rules still read', () => {
    expect(lexicon.concepts.find((c) => c.id === 'side_named')?.detector).toBe(false);
    expect(matcher.analyse(text).occurrences.map((o) => o.concept)).toContain('side_named');
    const features = detectorFeatures(matcher, text);
    expect(features).toContain('#swelling');
    expect(features.filter((f) => f.endsWith('side_named'))).toEqual([]);
  });
});

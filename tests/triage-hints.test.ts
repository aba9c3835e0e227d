/**
 * The phrase hints (src/triage/phraseHints.ts) only skip regular expressions that could
 * not have matched: with and without them, triage must find exactly the same concepts,
 * negations and rules on every message the project has, and on random messages built
 * from the lexicon's own words.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import fc from 'fast-check';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { cleanText } from '../src/domain/text';
import { loadLexicon } from '../src/triage/lexicon';
import { Matcher } from '../src/triage/matcher';
import { HintFilter, hints, requirements } from '../src/triage/phraseHints';

const lexicon = loadLexicon('triage');
const withHints = new Matcher(lexicon);
const withoutHints = new Matcher(lexicon, { hints: false });

function view(m: Matcher, text: string): string {
  const a = m.analyse(cleanText(text));
  return JSON.stringify({ occurrences: a.occurrences, fired: a.fired.map((r) => r.id), level: a.level });
}

/** Every message in the project's data: evaluation and development sets, the regression table, the detector's training data. */
function allTexts(): string[] {
  const texts: string[] = [];
  for (const dir of readdirSync('tests/data', { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const file of ['redflags.yaml', 'benign.yaml']) {
      const path = `tests/data/${dir.name}/${file}`;
      if (existsSync(path)) texts.push(...(parse(readFileSync(path, 'utf8')) as { cases: { text: string }[] }).cases.map((c) => c.text));
    }
    const scripts = `tests/data/${dir.name}/scripts.yaml`;
    if (existsSync(scripts)) texts.push(...(parse(readFileSync(scripts, 'utf8')) as { scripts: { turns: { user: string }[] }[] }).scripts.flatMap((s) => s.turns.map((t) => t.user)));
  }
  const table = parse(readFileSync('tests/data/triage-cases.yaml', 'utf8')) as { red_flags: { text: string }[]; benign: { text: string }[] };
  texts.push(...table.red_flags.map((c) => c.text), ...table.benign.map((c) => c.text));
  texts.push(...(parse(readFileSync('triage/detector/train.yaml', 'utf8')) as { examples: { text: string }[] }).examples.map((e) => e.text));
  return texts;
}

describe('phrase hints', () => {
  it('are the fixed text a phrase cannot match without', () => {
    expect(hints('deep vein(s)?( thrombosis)?')).toEqual(['deep vein']);
    expect(hints('(keep|keeps) (tripping|stumbling)')).toEqual(['tripping', 'stumbling']);
    expect(hints('(can not|could not) push off')).toEqual([' push off']);
    expect(hints('[0-9]+ ?(km|k)')).toBeNull(); // nothing long enough to be worth a check
  });

  it('are every fixed part a phrase needs, with the spaces its word boundaries stand for', () => {
    // both parts are needed; the boundaries around every phrase are the spaces of the normalised text
    // (strings are cut to ten characters; what `hints` finds is kept unless another requirement implies it)
    expect(requirements('(long|overnight) (flight|drive)')).toEqual([[' long flig', ' long driv', ' overnight'], ['flight', 'drive']]);
    expect(requirements('(go|goes) back')).toEqual([[' go back ', ' goes back']]);
    expect(requirements('(keep|keeps) [a-z]+ (tripping|stumbling)')).toEqual([[' tripping ', ' stumbling'], [' keep ', ' keeps ']]);
    expect(requirements('\\bop\\b')).toEqual([[' op ']]);
    expect(requirements('[0-9]+ ?(km|k)')).toBeNull();
    const filter = new HintFilter([requirements('(go|goes) back'), requirements('(keep|keeps) [a-z]+ (tripping|stumbling)'), null]);
    expect(filter.candidates('it goes back')).toEqual([0, 2]);
    expect(filter.candidates('i keep on tripping')).toEqual([1, 2]);
    expect(filter.candidates('tripping all day')).toEqual([2]); // one part is not enough
    expect(filter.candidates('ego back')).toEqual([2]);
  });

  // Every message twice, once through the slow path without hints: about 10 ms a message there, so
  // with 51,000 messages (round 39) about 9 minutes on a quiet 2-core machine and more beside the
  // other test files. Not a speed target (npm run bench has those), so it gets room to finish; the
  // data grows by some 3,000 messages a round, so the room is generous.
  it('change nothing that triage finds, on every message the project has (thousands)', () => {
    const texts = [...new Set(allTexts())];
    expect(texts.length).toBeGreaterThan(3000);
    const differ = texts.filter((t) => view(withHints, t) !== view(withoutHints, t));
    expect(differ).toEqual([]);
  }, 2_400_000);

  it('change nothing on random messages made of the lexicon\'s own words and phrases', () => {
    const words = [...new Set(lexicon.concepts.flatMap((c) => c.words))];
    const glue = ['my', 'calf', 'leg', 'is', 'not', 'no', 'and', 'but', 'since', 'can not', 'after', 'the', 'a', 'very', 'so', ',', '.', 'really', 'up', 'down'];
    const token = fc.oneof(fc.constantFrom(...words), fc.constantFrom(...glue));
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 25 }), (parts) => {
        const text = parts.join(' ');
        expect(view(withHints, text)).toBe(view(withoutHints, text));
      }),
      { numRuns: 400, seed: 13 },
    );
  });

  it('change nothing on random messages made of the words the phrases spell out', () => {
    const words = [...new Set(lexicon.concepts.flatMap((c) => c.phrases.flatMap((p) => p.replace(/\\./g, ' ').replace(/\[[^\]]*\]/g, ' ').match(/[a-z]+|[0-9]+/g) ?? [])))];
    const glue = ['my', 'calf', 'not', 'no', 'and', 'but', ',', '.', '12', 'i', 'it'];
    const token = fc.oneof(fc.constantFrom(...words), fc.constantFrom(...glue));
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 30 }), (parts) => {
        const text = parts.join(' ');
        expect(view(withHints, text)).toBe(view(withoutHints, text));
      }),
      { numRuns: 2000, seed: 29 },
    );
  });
});

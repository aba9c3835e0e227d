/**
 * Text normalisation for intent recognition.
 *
 * simplify (lower case, accents folded, contractions expanded, punctuation gone) → words
 * → variants (slang, British/American, irregular plurals: data in intents/vocabulary/variants.yaml)
 * → spelling correction against the training vocabulary (edit distance, Jaro-Winkler to break
 * ties, memoised) → Porter stems. The word-level tools (accent folding, stemming, distances) are the ones triage
 * uses too, from src/domain/text.ts; this file adds what only the NLU needs.
 */
import { editDistance, foldAccents, similarity, squeezeRepeats, stem } from '../domain/text';
import { variants } from './variants';

/** Input longer than this is cut before any processing (keeps 5,000-character messages fast). */
export const MAX_INPUT_CHARS = 1000;

/** Contractions, expanded before punctuation is dropped. */
const CONTRACTIONS: [RegExp, string][] = [
  [/\bcan'?t\b/g, 'can not'],
  [/\bwon't\b/g, 'will not'],
  [/\bshan't\b/g, 'shall not'],
  [/\bain't\b/g, 'is not'],
  [/\b(\w+)n't\b/g, '$1 not'],
  [/\b(what|it|that|there|here|who|where|how|he|she|when|why|everything|nothing|something)'s\b/g, '$1 is'],
  [/\blet's\b/g, 'let us'],
  [/\b(\w+)'re\b/g, '$1 are'],
  [/\bi'm\b/g, 'i am'],
  [/\b(\w+)'ve\b/g, '$1 have'],
  [/\b(\w+)'ll\b/g, '$1 will'],
  [/\b(\w+)'d\b/g, '$1 would'],
  [/\b(\w+)'s\b/g, '$1'], // possessive: baker's → baker
];

/** Lower-case, cut, strip accents, emoji and punctuation, expand contractions: words and single spaces. */
export function simplifyText(text: string): string {
  let t = text.slice(0, MAX_INPUT_CHARS);
  // the expensive passes run only when they can change something (most messages are plain ASCII)
  if (/[^\t\n\r -~]/.test(t)) {
    t = foldAccents(t);
    t = t.replace(/[\u2018\u2019\u02bc\u00b4]/g, "'").replace(/[\u201c\u201d]/g, '"');
    t = t.replace(/\p{Extended_Pictographic}/gu, ' ');
  }
  t = t.toLowerCase();
  if (t.includes('`')) t = t.replace(/`/g, "'");
  if (t.includes('&')) t = t.replace(/\ba\s*&\s*e\b/g, ' emergency ').replace(/&/g, ' and ');
  t = t.replace(/\bknee[\s-]+cap/g, 'kneecap').replace(/\bpain[\s-]+killer/g, 'painkiller').replace(/\bcharl[a-z]* horse/g, 'charley horse');
  // dotted abbreviations: r.i.c.e → rice, d.v.t. → dvt
  if (t.includes('.')) t = t.replace(/\b(?:[a-z]\.){2,}[a-z]?\b\.?/g, (m) => m.replace(/\./g, ''));
  if (t.includes("'")) {
    for (const [re, rep] of CONTRACTIONS) t = t.replace(re, rep);
    t = t.replace(/'/g, '');
  }
  return t.replace(/[^a-z0-9]+/g, ' ').trim();
}

/** Clean and tokenize, with variants applied (no spelling correction, no stemming). */
export function baseTokens(text: string): string[] {
  const simple = simplifyText(text);
  if (!simple) return [];
  const map = variants();
  const out: string[] = [];
  for (const tok of simple.split(' ')) {
    const squeezed = squeezeRepeats(tok);
    const v = map.get(squeezed);
    if (v === undefined) out.push(squeezed);
    else out.push(...v.split(' '));
  }
  return out;
}

/**
 * Four-letter words of the bot's subject that a 3-letter misspelling may be restored to: none of
 * their one-letter-dropped forms is an everyday word (unlike tear/tea, ache/ace, pain/pin, shin/sin).
 */
const RESTORABLE_SHORT: readonly string[] = ['knee', 'heel', 'calf', 'cyst', 'test', 'wall', 'walk', 'knot', 'numb', 'foot', 'sore'];

/**
 * Spelling correction against a vocabulary (the words of the training utterances).
 * A word outside the vocabulary is replaced by the closest vocabulary word when the
 * Damerau-Levenshtein distance is 1 (words of 4–6 letters, same first letter) or ≤ 2
 * (7 letters, same first letter; 8+ letters, any); ties go to the higher Jaro-Winkler
 * similarity, then the more frequent word. A 3-letter word is only restored when a letter was
 * dropped from a 4-letter word (see restoreDroppedLetter).
 * Results are memoised.
 */
export class SpellCorrector {
  private readonly byLength = new Map<number, string[]>();
  private readonly cache = new Map<string, string | null>();
  private readonly maxCache: number;

  constructor(private readonly vocabulary: ReadonlyMap<string, number>, maxCache = 20_000) {
    this.maxCache = maxCache;
    for (const w of vocabulary.keys()) {
      if (!/^[a-z]+$/.test(w) || w.length < 3) continue;
      const list = this.byLength.get(w.length) ?? [];
      list.push(w);
      this.byLength.set(w.length, list);
    }
  }

  has(word: string): boolean {
    return this.vocabulary.has(word);
  }

  /** The corrected word, or null when the word is known, too short, or has no close match. */
  correct(word: string): string | null {
    if (this.vocabulary.has(word) || word.length < 3 || !/^[a-z]+$/.test(word)) return null;
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;
    if (word.length === 3) return this.remember(word, this.restoreDroppedLetter(word));
    const maxDist = word.length >= 7 ? 2 : 1;
    let best: string | null = null;
    let bestDist = Infinity;
    let bestJw = -1;
    let bestFreq = -1;
    for (let len = word.length - maxDist; len <= word.length + maxDist; len++) {
      for (const cand of this.byLength.get(len) ?? []) {
        // a typo rarely hits the first letter; requiring it keeps real words apart ("cook" ≠ "book")
        if (cand[0] !== word[0] && word.length < 8) continue;
        const d = editDistance(word, cand);
        if (d > maxDist || d > bestDist) continue;
        const jw = similarity(word, cand);
        const freq = this.vocabulary.get(cand) ?? 0;
        if (d < bestDist || jw > bestJw || (jw === bestJw && freq > bestFreq)) {
          best = cand;
          bestDist = d;
          bestJw = jw;
          bestFreq = freq;
        }
      }
    }
    return this.remember(word, best);
  }

  private remember(word: string, fixed: string | null): string | null {
    if (this.cache.size >= this.maxCache) this.cache.clear();
    this.cache.set(word, fixed);
    return fixed;
  }

  /**
   * A 3-letter word is only corrected when it is one of RESTORABLE_SHORT with one letter
   * dropped after the first ("kne" → knee, "cys" → cyst, "clf" → calf); the most frequent
   * such word wins. Other edits of short words turn everyday words into symptoms
   * ("tea" → tear, "ace" → ache, "pin" → pain).
   */
  private restoreDroppedLetter(word: string): string | null {
    let best: string | null = null;
    let bestFreq = 0;
    for (const cand of RESTORABLE_SHORT) {
      if (cand[0] !== word[0] || !this.vocabulary.has(cand)) continue;
      let i = 1;
      while (i < 3 && cand[i] === word[i]) i++;
      if (cand.slice(i + 1) !== word.slice(i)) continue;
      const freq = this.vocabulary.get(cand) ?? 0;
      if (freq > bestFreq) {
        best = cand;
        bestFreq = freq;
      }
    }
    return best;
  }
}

export interface NormalizedText {
  /** Porter stems of the (corrected) tokens, in order. */
  stems: string[];
  /** How many tokens were in (or corrected into) the training vocabulary. */
  known: number;
  /** Stems of the tokens that are neither in the vocabulary nor corrected into it. */
  unknown: string[];
  /** Number of tokens. */
  total: number;
}

/**
 * Full normalisation: tokens → spelling correction → stems. `known` counts tokens in the
 * speller's vocabulary (after correction when `correct` is true).
 */
export function normalize(text: string, speller?: SpellCorrector, correct = true): NormalizedText {
  const tokens = baseTokens(text);
  const stems: string[] = [];
  let known = 0;
  const unknown: string[] = [];
  for (const tok of tokens) {
    let word = tok;
    let isKnown = false;
    if (speller) {
      if (speller.has(tok)) isKnown = true;
      else if (correct) {
        const fixed = speller.correct(tok);
        if (fixed) {
          word = fixed;
          isKnown = true;
        }
      }
    }
    const s = stem(word);
    stems.push(s);
    if (isKnown) known++;
    else if (speller) unknown.push(s);
  }
  return { stems, known, unknown, total: tokens.length };
}

/**
 * Text, the one home for how calfbot reads words. Triage, the NLU and the staff
 * console's teaching inbox all take their clean-up, accent folding, stemming and
 * word distances from here, so "the same word" means the same thing everywhere.
 *
 * 1. `cleanText`: the clean-up every incoming text gets, at every entry point (HTTP,
 *    Direct Line, Teams, the terminal chat, classify, the evaluation), before triage or
 *    recognition sees it: invisible formatting characters are removed ("cl\u200Bot" is
 *    "clot"), control characters become spaces, and the text is put in Unicode NFC form.
 * 2. Word-level helpers for matching: `foldAccents`, `squeezeRepeats`, `stem` (Porter),
 *    `editDistance` (Damerau-Levenshtein, adjacent transpositions) and `similarity`
 *    (Jaro-Winkler). Triage and the NLU each keep their own contraction table on top of
 *    these, because they need different things from "isn't" (triage keeps the "not" for
 *    negation scopes, the NLU keeps a possessive's stem).
 * All linear in the length of the text, except the distances (short words only).
 */

// natural's Porter stemmer file and distance modules, not its public entry (`import … from 'natural'`),
// nor its `stemmers` index, which loads every language's stemmer (~100 ms; src/types/natural-porter.d.ts).
// Measured on this 2-core machine under load (`node -e "require(…)"`, 5 runs): the three
// modules load in 170–360 ms; the public entry takes 2.1–3.6 s, because it also loads
// natural's storage back-ends — 853 modules of mongoose, redis, memjs and dotenv — and
// those call dotenv, which reads `.env` and prints to stdout, interleaving with the JSON
// logs. Small maintained replacements were compared over 98,000 words: `stemmer` gives a
// different stem for 4 of them, and the Jaro-Winkler packages differ from natural's in
// a quarter of word pairs, which would change what the NLU and triage decide. So natural
// stays, imported here and nowhere else in src/.
import { DamerauLevenshteinDistance, JaroWinklerDistance } from 'natural/lib/natural/distance';
import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer';

// Zero-width space/non-joiner, LRM/RLM, word joiner and other invisible operators, BOM,
// soft hyphen, Mongolian vowel separator, variation-selector-free fillers.
// eslint-disable-next-line no-misleading-character-class -- each listed character is removed on its own
const INVISIBLE = /[\u00AD\u180E\u200B\u200C\u200E\u200F\u2060-\u2064\uFEFF\u034F\u115F\u1160\u3164\uFFA0]/g;
// A ZWJ is kept only inside an emoji sequence (👨‍👩‍👧); elsewhere it is removed.
// eslint-disable-next-line no-misleading-character-class -- VS16 and skin-tone modifiers are listed on purpose
const STRAY_ZWJ = /(?<![\p{Extended_Pictographic}\uFE0F\u{1F3FB}-\u{1F3FF}])\u200D|\u200D(?!\p{Extended_Pictographic})/gu;
// C0/C1 controls except tab and newlines, and bidirectional controls.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

/** Remove invisible formatting characters (keeps emoji ZWJ sequences intact). */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '').replace(STRAY_ZWJ, '');
}

export function cleanText(text: string): string {
  return stripInvisible(text).replace(CONTROLS, ' ').normalize('NFC');
}

/**
 * The longest message the bot answers, in characters (after clean-up). A longer one is
 * still triaged in full, then gets a polite "too long" notice (src/turn/4-inputGuard.ts).
 */
export const MAX_TEXT_CHARS = 4000;

/** "café" → "cafe": compatibility decomposition, then every combining mark dropped. */
export function foldAccents(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '');
}

/** A letter typed three or more times counts twice: "sooooo" → "soo", "hiiii" → "hii". */
export function squeezeRepeats(text: string): string {
  return text.replace(/([a-z])\1{2,}/g, '$1$1');
}

const stemCache = new Map<string, string>();

/** The Porter stem of a lower-case word ("swollen" and "swelling" meet at their stems). Memoised. */
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = PorterStemmer.stem(word);
    if (stemCache.size >= 50_000) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

/** Edits (insert, delete, substitute, swap two adjacent letters) between two words. */
export function editDistance(a: string, b: string): number {
  return DamerauLevenshteinDistance(a, b, { restricted: true });
}

/** Jaro-Winkler similarity, 0 (nothing alike) to 1 (equal): favours a shared beginning. */
export function similarity(a: string, b: string): number {
  return JaroWinklerDistance(a, b);
}

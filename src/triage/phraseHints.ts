/**
 * Which literal strings a phrase's regular expression cannot match without: a phrase
 * such as "(keep|keeps) (tripping|stumbling)" needs "tripping" or "stumbling" somewhere in
 * the text, so on a message with neither the expression is not run at all. Most messages
 * hold the words of a few phrases out of a thousand; this is what keeps triage's cost
 * from growing with the lexicon.
 *
 * Sound by construction, from the expression's syntax tree: `hints(source)` returns either
 * `null` (no requirement worth checking) or strings of which EVERY match contains at least
 * one. `requirements(source)` goes further: several such sets, ALL of which a match needs
 * (each fixed part of the phrase: "(long|overnight) (flight|drive)" needs one of the first
 * and one of the second), and the word boundaries a match has in the matcher's normalised
 * text (a phrase starting "(go|goes) " needs " go " or " goes ", which two letters could not
 * say). tests/triage-hints.test.ts checks, on every message the project has, that analysing
 * with the hints finds exactly what analysing without them finds.
 */
import { RegExpParser, type AST } from '@eslint-community/regexpp';
import { lexiconPhrases, type Lexicon } from './lexicon';

/** Shorter required strings than this filter too little to pay for the check. */
const MIN_HINT_LENGTH = 3;
/** At most this many strings in one set (alternatives multiply). */
const MAX_SET = 24;

type Node = AST.Node;
/** Strings the node can match exactly, when there are few; null when unknown. */
type Exact = string[] | null;

const parser = new RegExpParser({ ecmaVersion: 2024 });

/**
 * What a phrase needs: sets of strings, and every match contains a string of EACH set; null
 * when nothing worth checking is known (the phrase always runs).
 */
export type PhraseHint = readonly (readonly string[])[] | null;

/** Each phrase's requirements, in the lexicon's order (what the Matcher filters with, and the lexicon cache keeps). */
export function phraseHintsOf(lexicon: Pick<Lexicon, 'concepts'>): PhraseHint[] {
  return lexiconPhrases(lexicon).map(requirements);
}

function parse(source: string): AST.Pattern | null {
  try {
    return parser.parsePattern(source, 0, source.length, { unicode: false, unicodeSets: false });
  } catch {
    return null; // the lexicon loader reports invalid expressions; here: no hint
  }
}

/** The one most selective set of strings every match contains one of (no word boundaries), or null. */
export function hints(source: string): string[] | null {
  const pattern = parse(source);
  return pattern ? patternHints(pattern) : null;
}

function patternHints(pattern: AST.Pattern): string[] | null {
  const need = required(pattern);
  if (!need || need.length === 0 || Math.min(...need.map((s) => s.length)) < MIN_HINT_LENGTH) return null;
  return need;
}

/** Strings of which every match of `node` contains one, or null (no requirement known). */
function required(node: Node): string[] | null {
  switch (node.type) {
    case 'Pattern':
    case 'Group':
    case 'CapturingGroup':
      return union(node.alternatives.map(required));
    case 'Alternative':
      return sequence(node.elements);
    case 'Quantifier':
      return node.min >= 1 ? required(node.element) : null;
    case 'Character': {
      const e = exact(node);
      return e && !e.includes('') ? e : null;
    }
    default:
      return null; // classes, sets, assertions, backreferences: no literal required
  }
}

/** Any one alternative may match: all of them need a requirement, and the union is one. */
function union(sets: (string[] | null)[]): string[] | null {
  if (sets.some((s) => s === null)) return null;
  const all = [...new Set((sets as string[][]).flat())];
  return all.length <= MAX_SET ? all : null;
}

/**
 * A sequence needs what any one of its parts needs; consecutive fixed characters are joined
 * first ("t","r","i","p" → "trip"), and the most selective requirement is kept.
 */
function sequence(elements: Node[]): string[] | null {
  const candidates: string[][] = [];
  let run: string[] | null = [''];
  const closeRun = (): void => {
    if (run && !run.includes('')) candidates.push(run);
    run = [''];
  };
  for (const el of elements) {
    const e = exact(el);
    if (e?.includes('')) {
      // an optional part ("(s)?", "( the)?") or an assertion: the run of fixed text ends here,
      // rather than multiplying into every variant
      if (!(e.length === 1)) closeRun();
      continue;
    }
    if (e && e.length === 1) {
      // one fixed string: it extends the run ("t","r","i","p" → "trip")
      run = run ? product(run, e) : e;
      continue;
    }
    if (e) {
      // a choice of fixed strings ("(dvt|clot)"): a requirement of its own
      closeRun();
      candidates.push(e);
      continue;
    }
    closeRun();
    const r = required(el);
    if (r) candidates.push(r);
  }
  closeRun();
  if (candidates.length === 0) return null;
  return candidates.reduce((best, c) => (score(c) > score(best) ? c : best));
}

/** Long strings filter well; every extra string is one more check on each message. */
function score(set: string[]): number {
  return Math.min(...set.map((s) => s.length)) - set.length / 2;
}

function product(a: string[], b: string[]): string[] | null {
  if (a.length * b.length > MAX_SET) return null;
  if (b.length === 1) {
    // one more fixed character (the usual case): the strings stay distinct
    const y = b[0] as string;
    return a.map((x) => x + y);
  }
  return [...new Set(a.flatMap((x) => b.map((y) => x + y)))];
}

/**
 * The strings `node` matches, when it matches only a few fixed strings; null otherwise. With
 * `marks`, a word boundary (`\b`) is the mark B (see `unmark`) rather than nothing.
 */
function exact(node: Node, marks = false): Exact {
  switch (node.type) {
    case 'Character':
      // a pattern's own U+E000 (there is none) would read as a mark: not a fixed string then
      return marks && node.value === B.charCodeAt(0) ? null : [String.fromCodePoint(node.value)];
    case 'Assertion':
      if (marks && node.kind === 'word' && !node.negate) return [B];
      // \b, ^, $ and lookarounds consume nothing; what they test is left to the expression
      return node.kind === 'lookahead' || node.kind === 'lookbehind' || node.kind === 'word' || node.kind === 'start' || node.kind === 'end' ? [''] : null;
    case 'Alternative': {
      let acc: string[] | null = [''];
      for (const el of node.elements) {
        const e = exact(el, marks);
        acc = e && acc ? product(acc, e) : null;
        if (!acc) return null;
      }
      return acc;
    }
    case 'Group':
    case 'CapturingGroup': {
      const parts = node.alternatives.map((a) => exact(a, marks));
      if (parts.some((p) => p === null)) return null;
      const all = [...new Set((parts as string[][]).flat())];
      return all.length <= MAX_SET ? all : null;
    }
    case 'Quantifier': {
      if (node.max !== 1) return null;
      const e = exact(node.element, marks);
      if (!e) return null;
      return node.min === 0 ? [...new Set(['', ...e])] : e;
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------- every requirement, with word boundaries

/**
 * A word boundary inside the strings worked out below: `\b`, or the `(?<![a-z0-9])` and
 * `(?![a-z0-9])` the Matcher puts around every phrase. It consumes nothing. In the matcher's
 * normalised text (tokens joined by one space: words of letters and digits, numbers, single
 * punctuation marks) a letter's neighbours are letters, digits, a space or the end of the text,
 * so a boundary before a string's first letter is the space before it, and one after its last
 * letter the space after it, once the filter has put a space before and after the text
 * (`HintFilter.candidates`). Anywhere else a boundary is dropped (the string says what is there).
 */
const B = '\uE000';
/** At most this many requirements per phrase (the most selective). */
const MAX_CLAUSES = 4;
/**
 * Strings are cut to this length (what a string starts with is required as much as the string):
 * longer ones told few more phrases apart, and made the filter's automaton larger.
 */
const MAX_HINT_LENGTH = 10;

/**
 * Every requirement of a phrase, as run by the Matcher (between word boundaries), each a set of
 * strings of which every match contains one; null when there is none worth checking. The one
 * requirement `hints` finds is always among them or implied by them.
 */
export function requirements(source: string): PhraseHint {
  const pattern = parse(source);
  if (!pattern) return null;
  const clauses = alternativesClauses(pattern.alternatives, true, true);
  const simple = patternHints(pattern);
  if (simple) clauses.push(simple);
  // a requirement that another implies adds nothing (every string of the other contains one of its)
  const kept = clauses.filter((c, i) => !clauses.some((o, j) => j !== i && implies(o, c) && (!implies(c, o) || j < i)));
  kept.sort((a, b) => score(b) - score(a));
  return kept.length > 0 ? kept.slice(0, MAX_CLAUSES) : null;
}

function implies(a: readonly string[], b: readonly string[]): boolean {
  return a.every((s) => b.some((t) => s.includes(t)));
}

/** One of the alternatives matches: with one, its requirements; with several, the union of each one's most selective. */
function alternativesClauses(alternatives: readonly AST.Alternative[], before: boolean, after: boolean): string[][] {
  const each = alternatives.map((a) => sequenceClauses(a.elements, before, after));
  if (each.length === 1) return each[0] as string[][];
  if (each.some((c) => c.length === 0)) return [];
  const union = canonical(each.flatMap((c) => c.reduce((best, x) => (score(x) > score(best) ? x : best))));
  return union ? [union] : [];
}

/**
 * A sequence needs what each of its parts needs. Consecutive fixed parts are joined into one
 * set of strings while the set stays small ("(long|overnight) (flight|drive)" → "long flight",
 * "long drive", …); a part that is not fixed ends the run and adds its own requirements.
 */
function sequenceClauses(elements: readonly Node[], before: boolean, after: boolean): string[][] {
  const clauses: string[][] = [];
  let run: string[] = [before ? B : ''];
  const flush = (): void => {
    const set = canonical(run);
    if (set) clauses.push(set);
    run = [''];
  };
  for (const el of elements) {
    const e = exact(el, true);
    if (e === null) {
      // a group right after a boundary starts at one: its alternatives are read with it
      const boundary = run.length === 1 && run[0] === B;
      flush();
      clauses.push(...nodeClauses(el, boundary));
      continue;
    }
    if (e.length === 1 && e[0] === '') continue; // consumes nothing (a lookaround): the run goes on
    const joined = product(run, e);
    if (joined) {
      run = joined;
      continue;
    }
    flush();
    run = e;
  }
  if (after) run = product(run, [B]) ?? run;
  flush();
  return clauses;
}

function nodeClauses(node: Node, before: boolean): string[][] {
  switch (node.type) {
    case 'Group':
    case 'CapturingGroup':
      return alternativesClauses(node.alternatives, before, false);
    case 'Quantifier':
      // the first repetition starts where the quantifier does
      return node.min >= 1 ? nodeClauses(node.element, before) : [];
    default:
      return [];
  }
}

/**
 * A run's strings as the filter looks for them (boundaries made spaces or dropped), without
 * those that contain another (a text with "deep veins" has "deep vein"); null when one is too
 * short to be worth a check (or empty: an optional part) or there are too many.
 */
function canonical(run: readonly string[]): string[] | null {
  const strings = [...new Set(run.map((s) => unmark(s).slice(0, MAX_HINT_LENGTH)))];
  const kept = strings.filter((s) => !strings.some((o) => o !== s && s.includes(o)));
  if (kept.length === 0 || kept.length > MAX_SET || kept.some((s) => s.length < MIN_HINT_LENGTH)) return null;
  return kept;
}

function unmark(s: string): string {
  const body = s.split(B).join('');
  if (body === '') return '';
  const lead = s.startsWith(B) && isLetter(body.charCodeAt(0)) ? ' ' : '';
  const trail = s.endsWith(B) && isLetter(body.charCodeAt(body.length - 1)) ? ' ' : '';
  return lead + body + trail;
}

function isLetter(code: number): boolean {
  return code >= 97 && code <= 122;
}

/**
 * Which phrases a message may match, found in one pass over the message: every requirement's
 * strings go into one Aho-Corasick automaton, made a table of (state, character) → state, so
 * the message is read once, one table look-up a character, whatever the number of strings
 * (thousands; filing them by their first characters and checking each at every position came
 * to cost more than the expressions it saved). The answer is exactly "each requirement of the
 * phrase has a string in the text with a space before and after it", except that characters the
 * normalised text never holds are not told apart (which can only let a phrase run)
 * (tests/triage-hints.test.ts).
 */
export class HintFilter {
  /** The automaton: `state * SYMBOLS + symbol` → the next state (state 0 is the root). */
  private readonly next: Uint16Array | Int32Array;
  /** The string id that ends at each state, or -1. */
  private readonly ends: Int32Array;
  /** The nearest state along the failure links (shorter suffixes) where a string ends, or 0. */
  private readonly nextEnd: Int32Array;
  /** For each string id, the requirements (ids) it meets: `meets[meetsFrom[id]]` up to `meets[meetsFrom[id + 1]]`. */
  private readonly meetsFrom: Int32Array;
  private readonly meets: Int32Array;
  /** Each requirement's phrase. */
  private readonly clausePhrase: Int32Array;
  /** How many requirements each phrase has. */
  private readonly needed: Uint8Array;
  /** Phrases without a requirement: always run. */
  private readonly always: number[] = [];

  /**
   * Scratch, reused by every call (analysis is synchronous) and marked with the call's number
   * rather than cleared: a typed array per message is memory outside the JS heap, and
   * allocating two per message left the process's memory fragmented and high after a load.
   */
  private readonly hintCall: Uint32Array;
  private readonly clauseCall: Uint32Array;
  private readonly phraseCall: Uint32Array;
  private readonly met: Uint8Array;
  private call = 0;

  /** `perPhrase[i]`: phrase i's requirements (every one met lets it run), or null to always run it. */
  constructor(perPhrase: readonly PhraseHint[]) {
    const ids = new Map<string, number>();
    const strings: string[] = [];
    const meets: number[][] = [];
    const clausePhrase: number[] = [];
    this.needed = new Uint8Array(perPhrase.length);
    perPhrase.forEach((clauses, phrase) => {
      if (clauses === null || clauses.length === 0) {
        this.always.push(phrase);
        return;
      }
      this.needed[phrase] = clauses.length;
      for (const set of clauses) {
        const clause = clausePhrase.length;
        clausePhrase.push(phrase);
        for (const text of set) {
          // strings the automaton cannot tell apart are one string
          const h = symbols(text);
          let id = ids.get(h);
          if (id === undefined) {
            id = strings.length;
            ids.set(h, id);
            strings.push(h);
            meets.push([]);
          }
          const list = meets[id] as number[];
          if (list[list.length - 1] !== clause) list.push(clause);
        }
      }
    });
    // the trie (symbols are char codes below SYMBOLS): each state's edges as [symbol, state, …]
    const edges: number[][] = [[]];
    const ends: number[] = [-1];
    strings.forEach((h, id) => {
      let state = 0;
      for (let i = 0; i < h.length; i++) {
        const sym = h.charCodeAt(i);
        const out = edges[state] as number[];
        let to = -1;
        for (let k = 0; k < out.length; k += 2) if (out[k] === sym) to = out[k + 1] as number;
        if (to < 0) {
          to = ends.length;
          ends.push(-1);
          edges.push([]);
          out.push(sym, to);
        }
        state = to;
      }
      ends[state] = id;
    });
    const states = ends.length;
    this.ends = Int32Array.from(ends);
    this.nextEnd = new Int32Array(states);
    const next = states <= 0xffff ? new Uint16Array(states * SYMBOLS) : new Int32Array(states * SYMBOLS);
    const fail = new Int32Array(states);
    // breadth first: a state's failure link is shorter, so its row is complete before the state's;
    // a state goes where its failure link goes, except along its own edges
    const queue: number[] = [0];
    for (let q = 0; q < queue.length; q++) {
      const u = queue[q] as number;
      if (u !== 0) next.copyWithin(u * SYMBOLS, (fail[u] as number) * SYMBOLS, (fail[u] as number) * SYMBOLS + SYMBOLS);
      const out = edges[u] as number[];
      for (let k = 0; k < out.length; k += 2) {
        const sym = out[k] as number;
        const child = out[k + 1] as number;
        const viaFail = u === 0 ? 0 : (next[u * SYMBOLS + sym] as number);
        next[u * SYMBOLS + sym] = child;
        fail[child] = viaFail;
        this.nextEnd[child] = (this.ends[viaFail] as number) >= 0 ? viaFail : (this.nextEnd[viaFail] as number);
        queue.push(child);
      }
    }
    this.next = next;
    this.meetsFrom = new Int32Array(strings.length + 1);
    meets.forEach((list, id) => {
      this.meetsFrom[id + 1] = (this.meetsFrom[id] as number) + list.length;
    });
    this.meets = Int32Array.from(meets.flat());
    this.clausePhrase = Int32Array.from(clausePhrase);
    this.hintCall = new Uint32Array(strings.length);
    this.clauseCall = new Uint32Array(clausePhrase.length);
    this.phraseCall = new Uint32Array(perPhrase.length);
    this.met = new Uint8Array(perPhrase.length);
  }

  /** The phrases that may match the matcher's normalised text, in ascending order. */
  candidates(normalised: string): number[] {
    if (this.call === 0xffffffff) {
      this.call = 0;
      this.hintCall.fill(0);
      this.clauseCall.fill(0);
      this.phraseCall.fill(0);
    }
    const call = ++this.call;
    const { next, ends, nextEnd, hintCall } = this;
    const out = this.always.slice();
    // the text with a space before and after it
    let state = next[SPACE] as number;
    for (let i = 0; i <= normalised.length; i++) {
      const code = i < normalised.length ? normalised.charCodeAt(i) : 32;
      state = next[state * SYMBOLS + (code < 128 ? (SYMBOL[code] as number) : OTHER)] as number;
      // every string that ends here: this state's, then along the links (each seen once per call;
      // when one was seen, so were the shorter ones after it)
      for (let s = (ends[state] as number) >= 0 ? state : (nextEnd[state] as number); s !== 0; s = nextEnd[s] as number) {
        const id = ends[s] as number;
        if (hintCall[id] === call) break;
        hintCall[id] = call;
        this.meet(id, call, out);
      }
    }
    // a few dozen at most, nearly in order: an insertion sort (Array#sort's comparator calls cost more)
    for (let i = 1; i < out.length; i++) {
      const p = out[i] as number;
      let j = i - 1;
      for (; j >= 0 && (out[j] as number) > p; j--) out[j + 1] = out[j] as number;
      out[j + 1] = p;
    }
    return out;
  }

  private meet(id: number, call: number, out: number[]): void {
    const { clauseCall, phraseCall, met, needed, clausePhrase, meets } = this;
    const end = this.meetsFrom[id + 1] as number;
    for (let k = this.meetsFrom[id] as number; k < end; k++) {
      const clause = meets[k] as number;
      if (clauseCall[clause] === call) continue;
      clauseCall[clause] = call;
      const p = clausePhrase[clause] as number;
      if (phraseCall[p] !== call) {
        phraseCall[p] = call;
        met[p] = 0;
      }
      met[p] = (met[p] as number) + 1;
      if (met[p] === needed[p]) out.push(p);
    }
  }
}

/**
 * The characters the automaton tells apart: those of the matcher's normalised text (letters,
 * digits, the space and its punctuation marks); every other character is one more symbol, so a
 * string with one can only seem present when it is not (and let its phrase run), never the reverse.
 */
const ALPHABET = ' abcdefghijklmnopqrstuvwxyz0123456789.,;:!?()';
const OTHER = ALPHABET.length;
const SYMBOLS = ALPHABET.length + 1;
const SYMBOL = Uint8Array.from({ length: 128 }, (_, code) => {
  const i = ALPHABET.indexOf(String.fromCharCode(code));
  return i >= 0 ? i : OTHER;
});
const SPACE = SYMBOL[32] as number;

/** A string as the automaton reads it: each character's symbol, as a character code. */
function symbols(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += String.fromCharCode(code < 128 ? (SYMBOL[code] as number) : OTHER);
  }
  return out;
}

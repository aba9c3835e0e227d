/**
 * Which literal strings a phrase's regular expression cannot match without: a phrase
 * such as "(keep|keeps) (tripping|stumbling)" needs "tripping" or "stumbling" somewhere in
 * the text, so on a message with neither the expression is not run at all. Most messages
 * hold the words of a few phrases out of several hundred; this is what keeps triage's cost
 * from growing with the lexicon.
 *
 * Sound by construction, from the expression's syntax tree: `hints(source)` returns either
 * `null` (no requirement worth checking) or strings of which EVERY match contains at least
 * one. tests/triage-hints.test.ts checks, on every message the project has, that analysing
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

/** Each phrase's hints, in the lexicon's order (what the Matcher filters with, and the lexicon cache keeps). */
export function phraseHintsOf(lexicon: Pick<Lexicon, 'concepts'>): (readonly string[] | null)[] {
  return lexiconPhrases(lexicon).map(hints);
}

export function hints(source: string): string[] | null {
  let pattern: AST.Pattern;
  try {
    pattern = parser.parsePattern(source, 0, source.length, { unicode: false, unicodeSets: false });
  } catch {
    return null; // the lexicon loader reports invalid expressions; here: no hint
  }
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
  return [...new Set(a.flatMap((x) => b.map((y) => x + y)))];
}

/** The strings `node` matches, when it matches only a few fixed strings; null otherwise. */
function exact(node: Node): Exact {
  switch (node.type) {
    case 'Character':
      return [String.fromCodePoint(node.value)];
    case 'Assertion':
      // \b, ^, $ and lookarounds consume nothing; what they test is left to the expression
      return node.kind === 'lookahead' || node.kind === 'lookbehind' || node.kind === 'word' || node.kind === 'start' || node.kind === 'end' ? [''] : null;
    case 'Alternative': {
      let acc: string[] | null = [''];
      for (const el of node.elements) {
        const e = exact(el);
        acc = e && acc ? product(acc, e) : null;
        if (!acc) return null;
      }
      return acc;
    }
    case 'Group':
    case 'CapturingGroup': {
      const parts = node.alternatives.map(exact);
      if (parts.some((p) => p === null)) return null;
      const all = [...new Set((parts as string[][]).flat())];
      return all.length <= MAX_SET ? all : null;
    }
    case 'Quantifier': {
      if (node.max !== 1) return null;
      const e = exact(node.element);
      if (!e) return null;
      return node.min === 0 ? [...new Set(['', ...e])] : e;
    }
    default:
      return null;
  }
}

/**
 * Which phrases a message may match, found in one pass over the message instead of a
 * search for every hint of every phrase: each hint is filed under its first three
 * characters, so each position of the message is looked up once. The answer is exactly
 * "some hint of the phrase occurs in the text" (tests/triage-hints.test.ts).
 */
export class HintFilter {
  /** Hint ids by the key of their first three characters. */
  private readonly byPrefix = new Map<number, number[]>();
  private readonly hintText: string[] = [];
  /** For each hint id, the phrases it unlocks. */
  private readonly unlocks: number[][] = [];
  /** Phrases without a hint: always run. */
  private readonly always: number[] = [];

  /**
   * Scratch flags, reused by every call (analysis is synchronous): a typed array per
   * message is memory outside the JS heap, and allocating two per message left the
   * process's memory fragmented and high after a load.
   */
  private readonly flags: Uint8Array;
  private readonly seen: Uint8Array;

  /** `perPhrase[i]`: phrase i's hints (any one present lets it run), or null to always run it. */
  constructor(perPhrase: readonly (readonly string[] | null)[]) {
    const ids = new Map<string, number>();
    perPhrase.forEach((needed, phrase) => {
      if (needed === null) {
        this.always.push(phrase);
        return;
      }
      for (const h of needed) {
        let id = ids.get(h);
        if (id === undefined) {
          id = this.hintText.length;
          ids.set(h, id);
          this.hintText.push(h);
          this.unlocks.push([]);
          const key = prefixKey(h, 0);
          const list = this.byPrefix.get(key);
          if (list) list.push(id);
          else this.byPrefix.set(key, [id]);
        }
        this.unlocks[id]?.push(phrase);
      }
    });
    this.flags = new Uint8Array(perPhrase.length);
    this.seen = new Uint8Array(this.hintText.length);
  }

  /** The phrases that may match `text`, in ascending order. */
  candidates(text: string): number[] {
    const flags = this.flags.fill(0);
    for (const p of this.always) flags[p] = 1;
    const seen = this.seen.fill(0);
    for (let i = 0; i + MIN_HINT_LENGTH <= text.length; i++) {
      const list = this.byPrefix.get(prefixKey(text, i));
      if (list === undefined) continue;
      for (const id of list) {
        if (seen[id] === 1 || !text.startsWith(this.hintText[id] as string, i)) continue;
        seen[id] = 1;
        for (const p of this.unlocks[id] as number[]) flags[p] = 1;
      }
    }
    const out: number[] = [];
    flags.forEach((flag, p) => {
      if (flag === 1) out.push(p);
    });
    return out;
  }
}

/** The first three UTF-16 units of `s` at `i` as one number (hints are at least three long). */
function prefixKey(s: string, i: number): number {
  return s.charCodeAt(i) * 0x100000000 + s.charCodeAt(i + 1) * 0x10000 + s.charCodeAt(i + 2);
}

/**
 * Red-flag matching: normalisation, tokens, typo correction, stemming, phrase
 * matching, NegEx-style negation and rule evaluation.
 *
 * Pipeline for one message:
 *  1. normalise: lower case, strip accents, expand contractions ("isn't" → "is not",
 *     "cant" → "can not"), "&" → "and", squeeze "sooooo" → "soo", split into word,
 *     number and punctuation tokens;
 *  2. typo correction: a word of at least `fuzzy.min_length` letters that is not a
 *     lexicon word (nor an inflection of one) is replaced by the closest lexicon word
 *     with the same first letter at Damerau-Levenshtein distance 1 (2 when both are
 *     long), unless it is on the `fuzzy.ignore` list of everyday words;
 *  3. concept occurrences: single words by Porter stem, phrases by regex over the
 *     normalised text, raw case-sensitive tokens ("PAD");
 *  4. clauses: split at punctuation, at "but/however/although/though/except/whereas"
 *     and at "and" followed by a new subject ("and it", "and my");
 *  5. negation (NegEx in spirit): a trigger ("no", "not", "never", "without",
 *     "neither", "nor", "free of", "lack of", ...) negates the concepts after it up to
 *     the end of its clause (at most 6 tokens); a comma only continues the scope for
 *     a plain list ("no swelling, redness or warmth"). Post-triggers ("is gone",
 *     "went away", "pain-free") negate what comes just before them. Pseudo-negations
 *     ("not sure", "can't tell", "not getting better", "no idea") negate nothing. A
 *     checklist answered in one message ("Red? no. Swollen? nope") negates each short
 *     question answered with a bare "no". Explicit terms (DVT, clot, PVD...) are never negated;
 *  6. rules: every `require` group needs a non-negated concept (within one clause
 *     for clause-scoped rules).
 */
import { editDistance, foldAccents, squeezeRepeats, stem as porterStem } from '../domain/text';
import { maxUrgency, type Urgency } from '../domain/urgency';
import { isEscalatingRule, lexiconPhrases, type Concept, type Lexicon, type Rule } from './lexicon';
import { HintFilter, phraseHintsOf, type PhraseHint } from './phraseHints';

export interface Token {
  /** Normalised (and possibly typo-corrected) text. */
  text: string;
  /** The token as typed, after normalisation but before typo correction. */
  typed: string;
  word: boolean;
  stem: string;
  /** Clause index. */
  clause: number;
  /** Character offsets in the normalised string. */
  start: number;
  end: number;
}

export interface Occurrence {
  concept: string;
  /** Token range [start, end). */
  start: number;
  end: number;
  negated: boolean;
  /**
   * Told inside a story's span (a `story` concept: someone else's emergency, one long over): not a sign
   * now, nor what explains the present. Only safety nets, and the earlier episode of a `story_history`
   * rule, read it (storyReading).
   */
  inStory?: boolean;
  /**
   * Inside the span of a concept that `explains` it ("sat on my foot … my whole leg went dead …
   * back to completely normal"): named, but not a sign now (isSign).
   */
  explained?: boolean;
}

/** An occurrence the rules' `require` groups read, and that is carried to the next messages: named, not denied, not in a story, not explained. */
export function isSign(o: Occurrence): boolean {
  return !o.negated && !o.inStory && !o.explained;
}

export interface Analysis {
  normalised: string;
  tokens: Token[];
  occurrences: Occurrence[];
  fired: Rule[];
  /** The highest escalation level among the fired rules. */
  level: Urgency;
  /**
   * Conditions that a check the message reports rules out (a `rules_out` concept that one of
   * the condition's escalating rules excludes: a clear scan, "can go on tiptoes"): the
   * detector, which cannot read such reasons, may ask about these but not escalate on them alone.
   */
  discounted: string[];
  /**
   * A check of `every_warning_rule` holds (staff material, and no person now): every warning rule is set
   * aside, and the detector asks no screening questions either.
   */
  setAside: boolean;
}

/** Distinct words whose typo correction is remembered (a few hundred KB at most). */
const MAX_REMEMBERED_CORRECTIONS = 20_000;

const RULE_RANK: Record<Rule['level'], number> = { safety_net: 0, screen: 1, urgent: 2, emergency: 3 };

// ---------------------------------------------------------------- normalisation

const CONTRACTIONS: [RegExp, string][] = [
  [/\b(can)'?t\b/g, 'can not'],
  [/\bcannot\b/g, 'can not'],
  // Scots: "cannae", "couldnae", "dinnae" ("nae" alone is a negation trigger); "push aff"
  [/\b(can|could|did|does|would|should|will|is|was|has|have)nae\b/g, '$1 not'],
  [/\bdinnae\b/g, 'do not'],
  // Jamaican English: "mi cyaan put mi foot down", "di tablet dem nah do nutten"
  [/\bcyaan\b/g, 'can not'],
  [/\bnah (?=(do|work|help|helping|working|touch|ease|easing)\b)/g, 'not '],
  [/\bcanny (?=(walk|get|go|move|feel|lift|stand|breathe|put|bend|sleep|do|manage|push|climb|reach)\b)/g, 'can not '],
  [/\baff\b/g, 'off'],
  // Nigerian Pidgin: "I no get fever sha" is "I do not have a fever"
  [/\b(i|he|she|we|they|una|dem) no get\b/g, '$1 do not have'],
  // Geordie "nee swellin": "no" before a sign, not "my nee" (a knee misspelt)
  [/(?<!\b(my|his|her|their|the|left|right|both|a|sore|bad|swollen|painful|in|on|of|behind|under|above|below|round|around|to|from|at) )\bnee (?=(swelling|swellin|pain|redness|heat|bother|problem|problems|numbness|tingling|fever|temperature|temp|bruising|change)\b)/g, 'no '],
  [/\bwi\b/g, 'with'],
  // text speak: "hurt wen i walk"
  [/\bwen\b/g, 'when'],
  [/\boot\b/g, 'out'],
  // "felt like some1 kicked my heal": a number for "one", and "heal" where only the heel fits
  [/\b(some|sum|any|every)1\b/g, '$1one'],
  [/\bno1\b/g, 'no one'],
  [/\b(my|his|her|the|left|right|both|r|l) heal(s?)\b(?! (up|over|properly|quickly|itself|themselves|well|nicely|fine|on its own|by itself|faster|slowly))/g, '$1 heel$2'],
  // "pain in my cuff" (autocorrect, or said as it sounds), not a blood pressure cuff or a rotator cuff
  [/\b(my|his|her|left|right|both) cuff(s?)\b/g, '$1 calf$2'],
  // "three nights running": in a row, not a run
  [/\b(nights|days|weeks|mornings|evenings|times|games|sessions) running\b/g, '$1 in a row'],
  // "cant lift it since this am"
  [/\bthis am\b/g, 'this morning'],
  [/\bthis pm\b/g, 'this afternoon'],
  [/\bma\b/g, 'my'],
  [/\btae\b/g, 'to'],
  // Scots "went ower ma ankle"
  [/\bower\b/g, 'over'],
  // a dropped g: "hangin my leg out the side of the bed", "been sleepin in the arm chair", "walkin up the hill"
  [/\b(walk|talk|hang|dangl|sleep|burn|ach|throbb|kill|limp|stopp|sitt|stand|runn|gett|go|do|hav|feel|swell|bleed|com|creep|spread|shiver|tingl|cramp|hurt|sting|itch|weep|leak|wak|turn|mov|lift|rest|wait|lean|climb|push|pull|kick|tak|mak|drag|wobbl|throw|breath|cough|wheez|sweat|freez|pound|rac|flutter)in'?(?=\s|[.,;:!?)]|$)/g, '$1ing'],
  // Yorkshire "t'end of t'ginnel" (the article before a word); "dangles 'em over the side" (after the dropped g, so that
  // "hangin em" is "hanging them")
  [/\bt'(?=[a-z])/g, 'the '],
  [/(^|\s)'em\b/g, '$1them'],
  [/\b(dangle|dangles|dangled|dangling|hang|hangs|hung|hanging|lift|lifts|lifted|lifting|put|puts|putting|raise|raises|raised|rub|rubs|move|moves|wiggle|wiggles|stick|sticks|let|lets|keep|keeps|soak|soaks|warm|warms|cut|cuts) em\b/g, '$1 them'],
  [/\bwon'?t\b/g, 'will not'],
  [/\bshan'?t\b/g, 'shall not'],
  [/\bain'?t\b/g, 'is not'],
  [/\b([a-z]+)n't\b/g, '$1 not'],
  [/\b(is|was|are|were|do|does|did|has|have|had|could|would|should|must|need|might)nt\b/g, '$1 not'],
  // a hedge is not a sign's word: "can't seem to catch my breath" is "can not catch my breath"
  [/\b(can|could) not (seem|appear) to\b/g, '$1 not'],
  // "cant hardly walk", "couldn't hardly stand": a double negative that means "can hardly" (after every n't is "not")
  [/\b(can|could) not (hardly|barely)\b/g, '$1 $2'],
  [/\b(it|that|there|what|he|she|who|where|here|this)'s\b/g, '$1 is'],
  // "the swelling's going down", "my calf's gone hard", "walking's no bother": a noun's 's before a state is "is"
  [/\b([a-z]+)'s (?=(going|gone|getting|got|been|coming|looking|feeling|started|starting|still|not|now|very|really|quite|much|more|less|worse|better|bigger|smaller|swollen|red|hot|warm|cold|sore|fine|ok|okay|all|totally|completely|no|never|absolutely|perfectly|alright|grand)\b)/g, '$1 is '],
  [/\bi'?m\b/g, 'i am'],
  [/\bi'?ve\b/g, 'i have'],
  // "youre", "theyre" (not "were", a word of its own; "we're" is handled by 're below)
  [/\b(you|they)re\b/g, '$1 are'],
  [/\bw\/(?=\s|[a-z])/g, 'with '],
  // "n", "nd" and "an" before a consonant are "and" ("hot an red"); "an" before a vowel or
  // an h is the article ("had an ultrasound", "an hour")
  [/\b(n|nd)\b/g, 'and'],
  [/\ban(?= (?![aeiouh])[a-z])/g, 'and'],
  [/\bu\b/g, 'you'],
  [/\bur\b/g, 'your'],
  [/'re\b/g, ' are'],
  [/'ve\b/g, ' have'],
  [/'ll\b/g, ' will'],
  // "I'd fallen asleep cross legged", "I thought I'd dropped a tin on it": "had" before a past participle (any "-ed" word but
  // "need", "feed", "bleed" and the like), "would" otherwise ("I'd like", "I'd need")
  [/\b(i|you|we|they|he|she|it)'d (?=(been|had|done|gone|fallen|slept|sat|taken|got|gotten|left|seen|eaten|stood|knelt|lain|broken|forgotten|never|just|already|only|(?!(?:need|feed|bleed|speed|proceed|succeed|exceed|breed|heed|seed|weed)\b)[a-z]{2,}ed)\b)/g, '$1 had '],
  [/\b(i|you|we|they|he|she|it)'d\b/g, '$1 would'],
  [/'s\b/g, 's'],
  [/'/g, ''],
];

const PLACEHOLDER = /\[\s*(?:pt|patient|patient name|pt name|name|date|dob|age|time|x+|y\s*\/\s*n|nhs (?:no|number)|surname|first name|address|\.{2,}|\u2026|_+)?\s*\]/g;

export function normaliseText(text: string): string {
  let s = foldAccents(text).toLowerCase();
  s = s.replace(/[\u2018\u2019\u201b\u0060\u00b4\u2032]/g, "'");
  for (const [re, rep] of CONTRACTIONS) s = s.replace(re, rep);
  // a template's placeholder ("I saw [pt] on [date]", "saddle numbness [y/n]") is a blank to fill, not a patient
  s = s.replace(PLACEHOLDER, ' blank ');
  s = s.replace(/&|\+/g, ' and ');
  // a line break ends a sentence: a form's or a checklist's lines ("Swelling in one leg: no\nRedness/heat: no") are not one clause
  s = s.replace(/[ \t]*(?:\r\n|\r|\n)+[ \t]*/g, ' . ');
  // a dash before an answer is a form's colon: "fever - no not that i know of", "red around it - yes"
  // (only an answer that ends there, or is hedged with "not": "a strain — no clot, no tear" is not one)
  s = s.replace(/(?<=[a-z)?]) *[-\u2013\u2014]+ *(?=(no|nope|none|nil|yes|yep|yeah)\b *([.,;!?]|$|not\b))/g, ' : ');
  // a dash with a space each side before a new subject is a pause, like a comma: a denial before it ends there ("Not being
  // lazy - my bum and thighs seize up when I walk"); not one that goes on with the same thought ("definitely not cramp - gets
  // cramp, knows what it feels like"), nor a dash inside a word or a range ("2-3 min", "x-ray")
  s = s.replace(/(?<=[a-z0-9)]) +[-\u2013\u2014]+ +(?=(i|my|it|its|he|she|his|her|they|their|we|our|this|that|there|now|then)\b)/g, ' , ');
  // a laughing emoji is a laugh: "can't breathe 😂" is a joke (the rest of the emoji are dropped with the other symbols)
  s = s.replace(/[\u{1F602}\u{1F923}\u{1F606}\u{1F639}]/gu, ' lol ');
  // "#" as clinicians write a fracture ("tib #", "# ankle", "#NOF", "for #5th MT"), not a hashtag ("#legday")
  s = s.replace(/(^|[\s(])#(?=\s|$|[.,;:)]|nof\b)|(?<=[a-z0-9] )#(?![a-z])/g, (_m, before: string | undefined) => `${before ?? ''} fracture `);
  return squeezeRepeats(s);
}

const TOKEN_RE = /\d+(?:\.\d+)?|[a-z]+|[.,;:!?()]/g;

export function tokenize(text: string): string[] {
  return normaliseText(text).match(TOKEN_RE) ?? [];
}

/** A word's Porter stem (src/domain/text.ts); numbers and anything not a plain word stay as they are. */
export function stem(word: string): string {
  return /^[a-z]+$/.test(word) ? porterStem(word) : word;
}

// ---------------------------------------------------------------- negation vocabulary

/** Words that say something can't be done: "not … without X" then says X happens. */
const CANNOT_WORDS = new Set(['not', 'never', 'unable', 'impossible']);
const PRE_TRIGGERS = new Set(['no', 'nae', 'nil', 'not', 'never', 'without', 'nor', 'neither', 'none', 'nothing', 'denies', 'deny', 'denied', 'non', 'zero', 'absent']);
/** Words after which "free"/"absence"/"lack" act as a trigger when followed by "of". */
const OF_TRIGGERS = new Set(['free', 'absence', 'lack', 'lacking']);
/** "SOB nil", as staff write a finding that is absent. */
const POST_TRIGGERS = new Set(['free', 'gone', 'disappeared', 'resolved', 'subsided', 'cleared', 'vanished', 'nil']);
/** A post-trigger must end its clause or be followed by one of these ("gone white" is not a negation). */
const POST_FOLLOWERS = new Set(['now', 'completely', 'totally', 'away', 'and', 'thankfully', 'already', 'today', 'overnight']);
/** Followers that only intensify: "gone completely" ends, "gone completely dead" does not. */
const INTENSIFIERS = new Set(['completely', 'totally']);
/** Before a post-trigger, these say it has not happened: "has not gone", "never went away". */
const NOT_YET = new Set(['not', 'never']);
/** …also with one of these between: "not fully gone", "not yet cleared", "never really went away". */
const NOT_YET_FILLER = new Set(['yet', 'fully', 'completely', 'totally', 'entirely', 'really', 'quite', 'all', 'properly']);
/** "went away", "gone away", "has gone". */
const POST_PAIRS: [string, string][] = [['went', 'away'], ['go', 'away'], ['goes', 'away']];
/** After "goes away", these make it a pattern ("goes away when I rest": claudication), not a recovery. */
const CONDITIONALS = new Set(['when', 'whenever', 'after', 'if', 'once', 'as', 'with', 'while', 'till', 'until', 'unless', 'on']);
/** Pseudo-negations: a trigger followed by these words negates nothing. */
const PSEUDO_AFTER = new Set(['sure', 'certain', 'know', 'tell', 'think', 'only', 'just', 'stop', 'stopping', 'stopped', 'idea', 'reason', 'better', 'change', 'changed', 'changing', 'improvement', 'improve', 'improving', 'improved', 'help', 'helping', 'helped', 'settle', 'settling', 'settled', 'ease', 'easing', 'eased', 'matter', 'doubt', 'go', 'going', 'gone', 'get', 'getting', 'worse', 'much', 'understand', 'convinced', 'ruled', 'rule', 'clear', 'remember', 'normal', 'right', 'wait', 'waiting']);
/** "doing nothing", "did nothing": what the writer was doing, not a denial. */
const DOING = new Set(['doing', 'did', 'done', 'doin']);
/** "not really sure", "not even sure", "not quite right". */
const HEDGE_FILLER = new Set(['really', 'even', 'quite', 'totally', 'entirely', 'completely', '100', 'too']);
/** Determiners/pronouns: "no i can't walk" — an answer, not a negation ("no problem" is decided in triggerAt). */
const NOT_AFTER_NO = new Set(['i', 'it', 'its', 'my', 'she', 'he', 'they', 'we', 'you', 'that', 'thats', 'this', 'there', 'thanks', 'thank', 'wait']);
/** Words that end the clause (and any negation scope). */
const CLAUSE_BREAK_WORDS = new Set(['but', 'however', 'although', 'though', 'except', 'whereas', 'yet', 'still', 'apart', 'because', 'cause', 'since', 'which', 'now', 'then', 'also', 'plus']);
/** "and" followed by one of these starts a new clause. */
const NEW_SUBJECT = new Set(['i', 'it', 'its', 'my', 'the', 'now', 'then', 'there', 'she', 'he', 'they', 'we', 'this', 'that', 'also', 'yet', 'still', 'suddenly', 'if', 'when', 'whenever']);
const PUNCT_BREAK = new Set(['.', ',', ';', ':', '!', '?', '(', ')']);
/** The end of the text, a punctuation break or a clause-breaking word. */
function endsClause(word: string | undefined): boolean {
  return word === undefined || PUNCT_BREAK.has(word) || CLAUSE_BREAK_WORDS.has(word);
}
/** Words that may appear in a negated list after a comma: "no swelling, redness or warmth". */
const LIST_FILLER = new Set(['or', 'nor', 'and', 'any', 'no', 'a', 'bit', 'of', 'at', 'all', 'real', 'really', 'much', 'obvious', 'visible', 'signs', 'sign']);
/** Words that start where a denied list is ("… or pain in either leg", "… or redness anywhere"). */
const LIST_TAIL = new Set(['in', 'on', 'at', 'around', 'round', 'anywhere', 'behind', 'over', 'down', 'across', 'either', 'both']);
const NEGATION_WINDOW = 6;
/**
 * The longest phrase (in tokens) whose own negation words are part of it ("can not walk", "has
 * not come back"). A longer match is a span told across a sentence or more ("… stent … Not in a
 * huge amount of pain …"): its negation words still deny what follows them.
 */
const PHRASE_OWNS_NEGATION = 8;

// ---------------------------------------------------------------- compiled lexicon

interface CompiledPhrase {
  re: RegExp;
  /** Its index among all the lexicon's phrases (for the hint filter). */
  id: number;
}

export interface MatcherOptions {
  /** Skip a phrase whose required strings are all absent (default true; off only to test that it changes nothing). */
  hints?: boolean;
  /** Each phrase's hints, in the lexicon's order, worked out before (the lexicon cache); computed here otherwise. */
  phraseHints?: readonly PhraseHint[];
}

interface CompiledConcept {
  concept: Concept;
  phrases: CompiledPhrase[];
  raw: Set<string>;
  notBefore?: RegExp;
  notAfter?: RegExp;
  clauseExclude?: RegExp;
}

export class Matcher {
  private readonly concepts: CompiledConcept[];
  private readonly known = new Set<string>();
  private readonly knownStems = new Set<string>();
  private readonly ignore: Set<string>;
  private readonly fuzzyTargets: string[];
  /** Each fuzzy target's letter counts (letterCounts), in the same order. */
  private readonly targetCounts: Uint8Array[];
  private readonly explicit = new Set<string>();
  private readonly denials = new Set<string>();
  private readonly contexts = new Set<string>();
  private readonly rulesOut = new Set<string>();
  /** Concepts whose match is a story: the signs inside it are not the writer's now (`story`). */
  private readonly stories = new Set<string>();
  /** The concepts each explaining concept accounts for within its span (`explains`). */
  private readonly explainers = new Map<string, ReadonlySet<string>>();
  /** Concepts the classifier does not see (`detector: false`). */
  readonly hiddenFromDetector = new Set<string>();
  /** Concept indices by word and by stem: each token is looked up once, not once per concept. */
  private readonly byWord = new Map<string, number[]>();
  private readonly byStem = new Map<string, number[]>();
  private readonly hintFilter: HintFilter;
  /** Every concept's phrases, by id. */
  private readonly phrases: CompiledPhrase[];

  constructor(
    private readonly lexicon: Lexicon,
    options: MatcherOptions = {},
  ) {
    const phraseCount = lexiconPhrases(lexicon).length;
    const phraseHints = options.hints === false ? new Array<null>(phraseCount).fill(null) : (options.phraseHints ?? phraseHintsOf(lexicon));
    if (phraseHints.length !== phraseCount) throw new Error('Matcher: phraseHints do not match the lexicon\'s phrases');
    this.ignore = new Set(lexicon.fuzzy.ignore);
    const targets = new Set<string>(lexicon.fuzzy.vocabulary);
    let phraseId = 0;
    const index = (map: Map<string, number[]>, key: string, concept: number): void => {
      const list = map.get(key);
      if (list === undefined) map.set(key, [concept]);
      else if (list[list.length - 1] !== concept) list.push(concept);
    };
    this.concepts = lexicon.concepts.map((c, ci) => {
      if (c.explicit) this.explicit.add(c.id);
      if (c.denial) this.denials.add(c.id);
      if (c.context) this.contexts.add(c.id);
      if (c.rules_out) this.rulesOut.add(c.id);
      if (c.story) this.stories.add(c.id);
      if (c.explains.length > 0) this.explainers.set(c.id, new Set(c.explains));
      if (!c.detector) this.hiddenFromDetector.add(c.id);
      for (const w of c.words) {
        this.known.add(w);
        this.knownStems.add(stem(w));
        if (c.fuzzy && w.length >= lexicon.fuzzy.min_length) targets.add(w);
        index(this.byWord, w, ci);
        index(this.byStem, stem(w), ci);
      }
      return {
        concept: c,
        // between word boundaries; a match that ends in a space (an optional last word left
        // out: "[0-9]+ ?k (run|race)?" on "10 k this") has ended at one already
        phrases: c.phrases.map((p) => ({ re: new RegExp(`(?<![a-z0-9])(?:${p})(?:(?<= )|(?![a-z0-9]))`, 'g'), id: phraseId++ })),
        raw: new Set(c.raw),
        notBefore: c.not_before !== undefined ? new RegExp(c.not_before) : undefined,
        notAfter: c.not_after !== undefined ? new RegExp(c.not_after) : undefined,
        clauseExclude: c.clause_exclude !== undefined ? new RegExp(c.clause_exclude) : undefined,
      };
    });
    for (const w of lexicon.fuzzy.vocabulary) {
      this.known.add(w);
      this.knownStems.add(stem(w));
    }
    // Everyday words, and the words the lexicon's phrases spell out, are words, not typos:
    // "breather" must not become "breathe" before "a breather" is looked for, nor "smells"
    // (like "smelled") become "swells". Their other forms are kept too, by stem.
    const words = [...this.ignore, ...lexicon.concepts.flatMap((c) => c.phrases.flatMap(literalWords))];
    for (const w of words) {
      this.known.add(w);
      this.knownStems.add(stem(w));
    }
    this.fuzzyTargets = [...targets];
    this.targetCounts = this.fuzzyTargets.map(letterCounts);
    this.hintFilter = new HintFilter(phraseHints);
    lexicon.rules.forEach((r, i) => {
      for (const c of new Set(r.require[0] ?? [])) {
        const list = this.byFirstGroup.get(c);
        if (list === undefined) this.byFirstGroup.set(c, [i]);
        else list.push(i);
      }
    });
    this.phrases = this.concepts.flatMap((c) => c.phrases);
    // worked out once: which checks (rules_out concepts) set which condition aside, in rule order
    this.discounting = lexicon.rules
      .filter(isEscalatingRule)
      .map((r) => ({ condition: r.condition, checks: [...r.exclude, ...r.exclude_unless.flatMap((u) => u.exclude)].filter((c) => this.rulesOut.has(c)) }))
      .filter((d) => d.checks.length > 0);
  }

  /**
   * Corrections already worked out: a word's correction depends on the lexicon only, and
   * people use the same few thousand words, so the edit distances (a third of triage's
   * time on every message) are computed once per word. Bounded: emptied when full.
   */
  private readonly corrections = new Map<string, string>();

  /** Each escalating rule that a check excludes: its condition and those checks (`rules_out` concepts). */
  private readonly discounting: { condition: string; checks: string[] }[];

  /** Rule indices by the concepts of their first `require` group. */
  private readonly byFirstGroup = new Map<string, number[]>();

  /**
   * The rules that may fire, in the lexicon's order: a rule needs a live concept of each of its
   * `require` groups, so of its first (most messages name a few concepts, and there are hundreds of rules).
   */
  private rulesNaming(live: ReadonlySet<string>): Rule[] {
    const { rules } = this.lexicon;
    if (live.size === 0) return [];
    const indices = new Set<number>();
    for (const c of live) for (const i of this.byFirstGroup.get(c) ?? []) indices.add(i);
    return [...indices].sort((a, b) => a - b).map((i) => rules[i] as Rule);
  }

  /**
   * The rules that fire when the signs of earlier messages count too: each earlier sign
   * is present, anywhere in the message; exclusions and denials are read from this message
   * only. Used after an escalation, when signs add up across turns (a red leg, then "now
   * I've got the shivers").
   */
  rulesWithEarlierSigns(analysis: Analysis, earlier: readonly string[]): Rule[] {
    const live = new Set(analysis.occurrences.filter((o) => !o.negated).map((o) => o.concept));
    const present = new Set([...live, ...earlier]);
    const signsNow = new Set(analysis.occurrences.filter(isSign).map((o) => o.concept));
    const signs = new Set([...signsNow, ...earlier]);
    return this.rulesNaming(present).filter((rule) => {
      const reads = storyReading(rule);
      const excluded = reads.firstAndExclusions ? setAside(rule, live, present) : setAside(rule, signsNow, signs);
      return !excluded && groupsSatisfied(rule, reads.groups ? present : signs, reads.firstAndExclusions ? present : signs);
    });
  }

  /**
   * The rules that fire when the signs of the last few messages, before any escalation, are
   * read as if told in this one: "my right calf feels achy and tight", then "since the op on
   * tuesday". Unlike after an escalation, the earlier messages' checks and contexts count too
   * (a DVT "treated in 2019", a clear scan, "both legs"), so a story the rules answer calmly
   * told in one message is answered the same told over three. Clause-scoped rules need their
   * signs in one clause: they never fire across messages.
   */
  rulesAcrossMessages(analysis: Analysis, earlier: readonly string[], earlierDenied: readonly string[] = []): Rule[] {
    const live = new Set([...analysis.occurrences.filter((o) => !o.negated).map((o) => o.concept), ...earlier]);
    const signs = new Set([...analysis.occurrences.filter(isSign).map((o) => o.concept), ...earlier]);
    // "no swelling" told in an earlier message is a denial still (`unless_negated`)
    const named = new Set([...analysis.occurrences.map((o) => o.concept), ...earlier, ...earlierDenied]);
    // the rules' own test, over the messages' signs together; no clause holds signs of several messages
    const findings: Findings = { live, signs, named, clauses: [], clauseSigns: [] };
    return this.rulesNaming(live).filter((rule) => ruleFires(rule, findings));
  }

  /** Stems already worked out (Porter stemming is pure; people use the same few thousand words). Bounded: emptied when full. */
  private readonly stems = new Map<string, string>();

  private stemOf(word: string): string {
    const known = this.stems.get(word);
    if (known !== undefined) return known;
    if (this.stems.size >= MAX_REMEMBERED_CORRECTIONS) this.stems.clear();
    const s = stem(word);
    this.stems.set(word, s);
    return s;
  }

  /** The word a chat spelling stands for, or the closest lexicon word for a typo, or the word itself. */
  correct(word: string): string {
    const { min_length: minLength, spellings } = this.lexicon.fuzzy;
    const spelled = Object.hasOwn(spellings, word) ? spellings[word] : undefined;
    if (spelled !== undefined) return spelled;
    if (word.length < minLength || !/^[a-z]+$/.test(word)) return word;
    const known = this.corrections.get(word);
    if (known !== undefined) return known;
    if (this.corrections.size >= MAX_REMEMBERED_CORRECTIONS) this.corrections.clear();
    const corrected = this.closest(word);
    this.corrections.set(word, corrected);
    return corrected;
  }

  private closest(word: string): string {
    const { long_length: longLength } = this.lexicon.fuzzy;
    if (this.known.has(word) || this.knownStems.has(stem(word))) return word;
    let best = word;
    let bestDistance = Number.POSITIVE_INFINITY;
    const counts = letterCounts(word);
    this.fuzzyTargets.forEach((target, t) => {
      if (target[0] !== word[0] || Math.abs(target.length - word.length) > 2) return;
      const max = word.length >= longLength && target.length >= longLength ? 2 : 1;
      // one edit changes the letter counts by at most 2: a cheap bound before the distance
      if (countsApart(counts, this.targetCounts[t] as Uint8Array) > 2 * max) return;
      const d = editDistance(word, target);
      if (d <= max && d < bestDistance) {
        best = target;
        bestDistance = d;
      }
    });
    return best;
  }

  analyse(text: string): Analysis {
    const typedTokens = tokenize(text);
    const tokens: Token[] = [];
    let offset = 0;
    for (const typed of typedTokens) {
      const word = /^[a-z]/.test(typed);
      const corrected = word ? this.correct(typed) : typed;
      tokens.push({ text: corrected, typed, word, stem: word ? this.stemOf(corrected) : corrected, clause: 0, start: offset, end: offset + corrected.length });
      offset += corrected.length + 1;
    }
    const normalised = tokens.map((t) => t.text).join(' ');
    assignClauses(tokens);

    const occurrences = this.findOccurrences(text, normalised, tokens);
    markStories(occurrences, this.stories);
    applyNegation(tokens, occurrences, this.explicit, this.denials, this.contexts);
    markExplained(occurrences, this.explainers);

    const findings = findingsOf(occurrences, tokens);
    const fired = this.rulesNaming(findings.live).filter((r) => ruleFires(r, findings));
    // A check the message reports (a rules_out concept that an escalating rule of the condition
    // names as an exclusion) sets that condition aside for the detector, whether or not the
    // rule's own signs were named: "heard a snap but it was my lace, I can hop and tiptoe fine".
    const discounted = [...new Set(this.discounting.filter((d) => d.checks.some((c) => findings.live.has(c))).map((d) => d.condition))];
    let level: Urgency = 'none';
    for (const r of fired) if (isEscalatingRule(r)) level = maxUrgency(level, r.level);
    fired.sort((a, b) => RULE_RANK[b.level] - RULE_RANK[a.level]);
    const setAside = anyCheckHolds(this.lexicon.every_warning_rule.exclude_unless, findings.live, findings.live);
    return { normalised, tokens, occurrences, fired, level, discounted, setAside };
  }

  private findOccurrences(original: string, normalised: string, tokens: Token[]): Occurrence[] {
    const found: Occurrence[] = [];
    const clauseText = (i: number): string => tokens.filter((t) => t.clause === tokens[i]?.clause).map((t) => t.text).join(' ');
    const accept = (c: CompiledConcept, startChar: number, endChar: number, startTok: number): boolean => {
      if (c.notBefore && c.notBefore.test(normalised.slice(endChar))) return false;
      if (c.notAfter && c.notAfter.test(normalised.slice(0, startChar))) return false;
      if (c.clauseExclude && c.clauseExclude.test(clauseText(startTok))) return false;
      return true;
    };
    const originalTokens = original.split(/[^A-Za-z0-9]+/).filter(Boolean);
    // which tokens name each concept as a word, in token order
    const wordHits = new Map<number, number[]>();
    tokens.forEach((t, i) => {
      if (!t.word) return;
      const byWord = this.byWord.get(t.text);
      const byStem = this.byStem.get(t.stem);
      // most words name no concept; one list alone has no repeats
      if (byWord === undefined && byStem === undefined) return;
      const concepts = byWord !== undefined && byStem !== undefined ? new Set([...byWord, ...byStem]) : ((byWord ?? byStem) as number[]);
      for (const ci of concepts) {
        const list = wordHits.get(ci);
        if (list === undefined) wordHits.set(ci, [i]);
        else list.push(i);
      }
    });
    // phrase ids follow the concepts' order, so one pointer walks the candidates alongside
    const candidates = this.hintFilter.candidates(normalised);
    let next = 0;
    this.concepts.forEach((c, ci) => {
      for (const i of wordHits.get(ci) ?? []) {
        const t = tokens[i] as Token;
        if (accept(c, t.start, t.end, i)) found.push({ concept: c.concept.id, start: i, end: i + 1, negated: false });
      }
      const last = c.phrases.length > 0 ? (c.phrases[c.phrases.length - 1] as CompiledPhrase).id : -1;
      for (; next < candidates.length && (candidates[next] as number) <= last; next++) {
        const { re } = this.phrases[candidates[next] as number] as CompiledPhrase;
        re.lastIndex = 0;
        let m: RegExpExecArray | null;
        while ((m = re.exec(normalised)) !== null) {
          if (m[0].length === 0) {
            re.lastIndex++;
            continue;
          }
          const sChar = m.index;
          const eChar = m.index + m[0].length;
          const startTok = tokens.findIndex((t) => t.end > sChar);
          let endTok = tokens.findIndex((t) => t.start >= eChar);
          if (endTok === -1) endTok = tokens.length;
          if (startTok >= 0 && accept(c, sChar, eChar, startTok)) {
            found.push({ concept: c.concept.id, start: startTok, end: Math.max(endTok, startTok + 1), negated: false });
          }
        }
      }
      if (c.raw.size) {
        for (const raw of originalTokens) {
          if (!c.raw.has(raw)) continue;
          const lower = raw.toLowerCase();
          const at = Math.max(0, tokens.findIndex((t) => t.text === lower));
          found.push({ concept: c.concept.id, start: at, end: at + 1, negated: false });
        }
      }
    });
    return found;
  }
}

/** Marks the occurrences told inside a story's span (`inStory`); one that reaches past the span's end is not. */
function markStories(found: Occurrence[], stories: ReadonlySet<string>): void {
  const spans = found.filter((o) => stories.has(o.concept));
  if (spans.length === 0) return;
  for (const o of found) if (!stories.has(o.concept) && spans.some((s) => o.start >= s.start && o.end <= s.end)) o.inStory = true;
}

/** Marks the occurrences inside the span of a concept that explains them, itself named, not denied and not in a story (`explained`). */
function markExplained(found: Occurrence[], explainers: ReadonlyMap<string, ReadonlySet<string>>): void {
  if (explainers.size === 0) return;
  const spans = found.filter((o) => explainers.has(o.concept) && !o.negated && !o.inStory);
  for (const s of spans) {
    const explains = explainers.get(s.concept) as ReadonlySet<string>;
    for (const o of found) if (explains.has(o.concept) && o.start >= s.start && o.end <= s.end) o.explained = true;
  }
}

/** How often each letter a-z occurs in a word. */
function letterCounts(word: string): Uint8Array {
  const counts = new Uint8Array(26);
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i) - 97;
    if (c >= 0 && c < 26) counts[c] = (counts[c] ?? 0) + 1;
  }
  return counts;
}

/** The sum of the differences of two words' letter counts: at most 2 per edit. */
function countsApart(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < 26; i++) d += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return d;
}

/** The plain words written in a phrase's expression (escapes and character classes left out). */
function literalWords(source: string): string[] {
  return source.replace(/\\./g, ' ').replace(/\[[^\]]*\]/g, ' ').match(/[a-z]+/g) ?? [];
}

// ---------------------------------------------------------------- clauses and negation

function assignClauses(tokens: Token[]): void {
  let clause = 0;
  tokens.forEach((t, i) => {
    const next = tokens[i + 1];
    if (PUNCT_BREAK.has(t.text) || CLAUSE_BREAK_WORDS.has(t.text) || (t.text === 'and' && next !== undefined && NEW_SUBJECT.has(next.text))) {
      clause++;
      t.clause = clause;
      clause++;
      return;
    }
    t.clause = clause;
  });
}

function isBreak(t: Token): boolean {
  return PUNCT_BREAK.has(t.text) || CLAUSE_BREAK_WORDS.has(t.text);
}

/** Is token i a negation trigger? Returns the index of the first token in its scope, or -1. */
function triggerAt(tokens: Token[], i: number, covered: Set<number>): number {
  const t = tokens[i];
  if (!t || covered.has(i)) return -1;
  const next = tokens[i + 1];
  const nextText = next?.text ?? '';
  if (OF_TRIGGERS.has(t.text) && nextText === 'of') return i + 2;
  if (!PRE_TRIGGERS.has(t.text)) return -1;
  // pseudo-negations: "not sure", "no idea", "can not tell", "not getting better", "not just"
  const [a0 = '', a1 = ''] = tokens.slice(i + 1, i + 3).map((x) => x.text);
  if (PSEUDO_AFTER.has(a0) || (HEDGE_FILLER.has(a0) && PSEUDO_AFTER.has(a1))) return -1;
  // "no problem with breathing", "no problem walking" deny; "no problem, see you then" answers
  if (t.text === 'no' && nextText === 'problem') return a1 === 'with' || a1.endsWith('ing') ? i + 1 : -1;
  if (t.text === 'no' && (NOT_AFTER_NO.has(nextText) || nextText === '' || (next !== undefined && isBreak(next)))) return -1;
  if (t.text === 'no' && nextText === 'longer') return i + 2;
  // "lying in the tent doing nothing and got a sudden pain": an activity, not a denial
  if (t.text === 'nothing' && DOING.has(tokens[i - 1]?.text ?? '')) return -1;
  // "can't walk to the shop without my calf seizing up": not ... without X says X happens
  // ("unable to walk the length of the high street without a gripping pain" too)
  if (t.text === 'without' && tokens.slice(Math.max(0, i - 12), i).some((x) => x.clause === t.clause && CANNOT_WORDS.has(x.text))) return -1;
  if (t.text === 'never') {
    // "never had swelling like this before" describes a new symptom, it does not deny it
    const clause = tokens.filter((x) => x.clause === t.clause).map((x) => x.text).join(' ');
    if (/\b(like this|like that|this (bad|much|swollen|red|warm|painful|sore)|before|until|till|so (bad|swollen|red|much))\b/.test(clause)) return -1;
  }
  return i + 1;
}

/**
 * A checklist answered in one message: "Red? no. Hot? no. Swollen? nope, just stiff". A short
 * question (at most CHECKLIST_WORDS words, ending in "?") answered by a bare "no" marks its words
 * negated. "Swollen? yes" and "a clot? no idea" negate nothing.
 */
const ANSWER_NO = new Set(['no', 'nope', 'nah', 'none', 'nil', 'negative']);
const CHECKLIST_WORDS = 4;
/** A question about a sign's change ("gone down?", "any better?"): a "no" to it does not deny the sign. */
const CHANGE_WORDS = new Set(['gone', 'better', 'eased', 'easing', 'settled', 'settling', 'improved', 'improving', 'away', 'cleared', 'resolved', 'down', 'less', 'smaller', 'shrunk', 'stopped', 'fading', 'faded', 'worse', 'bigger', 'spreading', 'spread']);

/** The label before an answer in a pasted questionnaire: "Q: swelling? A: no". */
const ANSWER_LABELS = new Set(['a', 'ans', 'answer']);

function answeredNo(tokens: Token[], negated: boolean[]): void {
  tokens.forEach((t, i) => {
    // "Red? no", and a form's "Redness/heat: no"
    if ((t.text !== '?' && t.text !== ':') || tokens[i + 1]?.text === '?') return;
    // "Q: breathless? A: no": the answer after its label
    const at = t.text === '?' && ANSWER_LABELS.has(tokens[i + 1]?.text ?? '') && tokens[i + 2]?.text === ':' ? i + 3 : i + 1;
    const answer = tokens[at];
    // "no, not that I know of", "no not really": the answer, then its hedge
    const after = tokens[at + 1]?.text;
    if (!answer || !ANSWER_NO.has(answer.text) || !(endsClause(after) || after === 'not')) return;
    let j = i - 1;
    while (j >= 0 && tokens[j]?.text === '?') j--;
    const question: number[] = [];
    for (; j >= 0; j--) {
      const q = tokens[j];
      if (!q || isBreak(q)) break;
      question.push(j);
    }
    if (question.filter((k) => tokens[k]?.word).length > CHECKLIST_WORDS) return;
    // "swelling gone down? no, it's bigger": "no" to a question about a change says the sign is still there
    if (question.some((k) => CHANGE_WORDS.has(tokens[k]?.text ?? ''))) return;
    for (const k of question) negated[k] = true;
  });
}

function applyNegation(tokens: Token[], occurrences: Occurrence[], explicit: Set<string>, denials: Set<string>, contexts: Set<string>): void {
  const covered = new Set<number>();
  const conceptTokens = new Set<number>();
  // where a phrase with its own negation word starts ("can not stand"): an earlier denial's scope ends there
  const ownNegationStarts = new Set<number>();
  for (const o of occurrences) {
    // a context spans other words and signs: it neither hides a negation nor lists a finding
    if (contexts.has(o.concept)) continue;
    // negation words inside a matched phrase ("can not walk", "no feeling in") are part of
    // it, unless the phrase is a denial ("no swelling or pain": the swelling is denied) or a
    // span longer than a phrase
    const length = o.end - o.start;
    const owns = length > 1 && length <= PHRASE_OWNS_NEGATION && !denials.has(o.concept);
    for (let k = o.start; k < o.end; k++) {
      conceptTokens.add(k);
      if (owns) covered.add(k);
      if (owns && PRE_TRIGGERS.has(tokens[k]?.text ?? '')) ownNegationStarts.add(o.start);
    }
  }
  const negated = new Array<boolean>(tokens.length).fill(false);
  for (let i = 0; i < tokens.length; i++) {
    const from = triggerAt(tokens, i, covered);
    if (from < 0) continue;
    let count = 0;
    for (let j = from; j < tokens.length; j++) {
      const t = tokens[j];
      if (!t) break;
      if (t.text === ',') {
        if (continuesList(tokens, j, conceptTokens)) continue;
        break;
      }
      if (isBreak(t)) break;
      if (t.text === 'and' && tokens[j + 1] && NEW_SUBJECT.has(tokens[j + 1]?.text ?? '')) break;
      // "not cramp can not stand on it": the phrase brings its own "not", and the earlier one does not reach it
      if (j > from && ownNegationStarts.has(j)) break;
      negated[j] = true;
      if (t.word && !['or', 'nor', 'and', 'any'].includes(t.text)) count++;
      if (count >= NEGATION_WINDOW) break;
    }
  }
  // post-triggers: "the swelling has gone", "redness went away", "pain free"
  // the index of the post-trigger that negates each token (-1: none)
  const postNegated = new Array<number>(tokens.length).fill(-1);
  tokens.forEach((t, i) => {
    const next = tokens[i + 1]?.text;
    const after = tokens[i + 2]?.text;
    // "gone completely" ends a recovery; "gone completely dead" is a leg that has stopped working
    const ends = endsClause(next) || (next !== undefined && POST_FOLLOWERS.has(next) && (!INTENSIFIERS.has(next) || endsClause(after) || POST_FOLLOWERS.has(after ?? '')));
    const pair = POST_PAIRS.some(([a, b]) => t.text === a && next === b);
    const isPost = (POST_TRIGGERS.has(t.text) && ends) || pair;
    // "it goes away when I rest" is a habit, not a recovery ("it went away after a day" is).
    const habitual = pair && t.text !== 'went' && CONDITIONALS.has(tokens[i + 2]?.text ?? '');
    if (!isPost || habitual || notYetGone(tokens, i)) return;
    for (let j = i - 1; j >= Math.max(0, i - 5); j--) {
      const p = tokens[j];
      if (!p || p.clause !== t.clause) break;
      postNegated[j] = i;
    }
  });
  const answered = new Array<boolean>(tokens.length).fill(false);
  answeredNo(tokens, answered);
  for (const o of occurrences) {
    if (explicit.has(o.concept)) continue;
    // a post-trigger inside the occurrence's own phrase is part of it ("nearly gone now" is a recovery, not a denied one)
    const post = postNegated[o.start] ?? -1;
    const postNegates = post >= 0 && !(post >= o.start && post < o.end);
    o.negated = negated[o.start] === true || postNegates || answered[o.start] === true;
  }
}

/** "the chest pain hasn't gone", "never went away", "not completely cleared": a post-trigger denied is still there. */
function notYetGone(tokens: Token[], i: number): boolean {
  const prev = tokens[i - 1]?.text ?? '';
  const before = tokens[i - 2]?.text ?? '';
  return NOT_YET.has(prev) || (NOT_YET.has(before) && NOT_YET_FILLER.has(prev));
}

/** After a comma inside a negation scope: continue only for a plain list of findings joined by "or"/"nor". */
function continuesList(tokens: Token[], comma: number, conceptTokens: Set<number>): boolean {
  let sawOr = false;
  let sawConcept = false;
  // a phrase with its own "not" after the comma ("…, I can't palpate DP or PT on that side") is a clause, not a list
  let sawNot = false;
  for (let j = comma + 1; j < tokens.length; j++) {
    const t = tokens[j];
    if (!t) break;
    if (isBreak(t)) break;
    if (t.text === 'or' || t.text === 'nor') sawOr = true;
    if (t.text === 'not' || t.text === 'never') sawNot = true;
    if (conceptTokens.has(j)) {
      sawConcept = true;
      continue;
    }
    // the list is over and where it is follows: "no swelling, redness or pain in either leg"; or its last item is a
    // finding the lexicon has no concept for: "no heat, redness or hard lumps"
    if (sawOr && sawConcept && !sawNot && (LIST_TAIL.has(t.text) || tokens[j - 1]?.text === 'or' || tokens[j - 1]?.text === 'nor')) return true;
    if (!LIST_FILLER.has(t.text)) return false;
  }
  return sawOr && sawConcept;
}

// ---------------------------------------------------------------- rules

/**
 * Whether a check in `live` sets the rule aside: one of its `exclude`, or, for any of its
 * `exclude_unless` pairs, one of the pair's `exclude` while none of its `any_of` is in `present`.
 */
function setAside(rule: Rule, live: ReadonlySet<string>, present: ReadonlySet<string>): boolean {
  if (rule.exclude.some((c) => live.has(c))) return true;
  return anyCheckHolds(rule.exclude_unless, live, present);
}

/** An `exclude_unless` check holds: one of its exclusions is named and none of its `any_of` is present. */
function anyCheckHolds(checks: Rule['exclude_unless'], live: ReadonlySet<string>, present: ReadonlySet<string>): boolean {
  return checks.some((u) => u.exclude.some((c) => live.has(c)) && !u.any_of.some((c) => present.has(c)));
}

/** What every rule is tested against, worked out once per message. */
interface Findings {
  /** Concepts named and not denied (what a safety net reads). */
  live: Set<string>;
  /** The live concepts outside every story and not explained (isSign): what every other rule reads. */
  signs: Set<string>;
  /** Concepts named at all, denied or not. */
  named: Set<string>;
  /** The live concepts of each clause, and those that are signs. */
  clauses: Set<string>[];
  clauseSigns: Set<string>[];
}

function findingsOf(occurrences: Occurrence[], tokens: Token[]): Findings {
  const live = new Set<string>();
  const signs = new Set<string>();
  const named = new Set<string>();
  const byClause = new Map<number, Set<string>>();
  const signsByClause = new Map<number, Set<string>>();
  const add = (map: Map<number, Set<string>>, clause: number, concept: string): void => {
    const set = map.get(clause);
    if (set === undefined) map.set(clause, new Set([concept]));
    else set.add(concept);
  };
  for (const o of occurrences) {
    named.add(o.concept);
    if (o.negated) continue;
    live.add(o.concept);
    const clause = tokens[o.start]?.clause ?? 0;
    add(byClause, clause, o.concept);
    if (!isSign(o)) continue;
    signs.add(o.concept);
    add(signsByClause, clause, o.concept);
  }
  return { live, signs, named, clauses: [...byClause.values()], clauseSigns: [...signsByClause.values()] };
}

/**
 * What a rule reads of a message's stories. A story (someone else's, one long over) neither fires a rule nor
 * explains the present ("my dad had a stroke 8 yrs ago and recovered really well. … over lunch his mouth has
 * dropped"), but a safety net reads it throughout ("had a DVT in 2019, all fine now"). A rule about an earlier
 * episode (`story_history`) finds that episode, and what sets it aside, in stories too; the sign it needs now
 * must be outside them.
 */
function storyReading(rule: Rule): { groups: boolean; firstAndExclusions: boolean } {
  const net = rule.level === 'safety_net';
  return { groups: net, firstAndExclusions: net || rule.story_history };
}

function ruleFires(rule: Rule, f: Findings): boolean {
  const reads = storyReading(rule);
  const [present, clauses] = reads.groups ? [f.live, f.clauses] : [f.signs, f.clauseSigns];
  const read = reads.firstAndExclusions ? f.live : f.signs;
  if (setAside(rule, read, read)) return false;
  // "Could it be a clot? No swelling, not red": every sign named is denied.
  if (rule.unless_negated.length > 0 && rule.unless_negated.some((c) => f.named.has(c)) && !rule.unless_negated.some((c) => read.has(c))) return false;
  // a rule that the whole message does not satisfy cannot be satisfied by one clause of it; its first group
  // reads what its exclusions read (stories too, for a `story_history` rule or a safety net)
  if (!groupsSatisfied(rule, present, read)) return false;
  return rule.scope === 'message' || clauses.some((clause) => groupsSatisfied(rule, clause));
}

/** Every `require` group has a present concept; the first group's may come from `first` (an earlier episode told in a story). */
function groupsSatisfied(rule: Rule, present: ReadonlySet<string>, first: ReadonlySet<string> = present): boolean {
  const has = (g: number, c: string): boolean => (g === 0 ? first : present).has(c);
  if (!rule.distinct) return rule.require.every((group, g) => group.some((c) => has(g, c)));
  const choose = (g: number, used: Set<string>): boolean => {
    const group = rule.require[g];
    if (!group) return true;
    for (const c of group) {
      if (!has(g, c) || used.has(c)) continue;
      used.add(c);
      if (choose(g + 1, used)) return true;
      used.delete(c);
    }
    return false;
  };
  return choose(0, new Set());
}

/**
 * Red-flag triage: the public interface. `loadTriage()` reads `triage/red-flags.yaml`
 * (conditions, their rules and concepts) and `triage/escalation.yaml` (what the bot
 * says), validated at load, and returns the assessor that the turn pipeline, the
 * classify CLI and the evaluation use. See docs/triage.md.
 *
 * Two independent detectors look at every message: the rules (concepts with
 * negation) and a classifier trained on red-flag and benign messages. Their results
 * are OR-combined: either one can escalate; neither can cancel the other.
 */
import { cleanText } from '../domain/text';
import { isEscalation, maxUrgency, type EscalationLevel, type Urgency } from '../domain/urgency';
import { DETECTOR_CHARS, loadDetector, type RedFlagDetector } from './detector';
import { isEscalatingRule, type Lexicon, type Rule } from './lexicon';
import { loadCompiledLexicon } from './lexiconCache';
import { Matcher, type Analysis } from './matcher';
import { loadWording, WORDING_FILE, WordingError, type Wording } from './wording';

export interface TriageResult {
  level: Urgency;
  /** `condition/rule` ids that fired (escalating ones first); never the message text. */
  reasons: string[];
  /** The conditions behind the escalation (dvt, pulmonary_embolism…). */
  conditions: string[];
  /** Not enough to escalate, but a warning sign: ask the screening questions. */
  screen: boolean;
  /** The conditions whose warning signs bring the questions (they choose the set asked). */
  screenFor: string[];
  /** A past clot or clear scan with no current sign: answer with the safety-net line. */
  safetyNet: boolean;
  /** A clinician's check that ruled a clot out is reported (a rule marked `all_clear`). */
  allClear: boolean;
  /** The rules' one-line explanations, for the card. */
  whys: string[];
  /** The concepts this message names (not denied): what an escalation remembers. */
  signs: string[];
  /** The concepts this message names only denied ("no swelling"): a later message is read with the denial. */
  denied: string[];
}

export interface Triage {
  assess(text: string): TriageResult;
  /**
   * The rules again, with the signs of earlier messages in the conversation counted as
   * present (src/turn/3-triage.ts uses it after an escalation). `own`: what `assess` or
   * `assessAsync` gave this message, whose analysis is then reused instead of made again.
   */
  assessWithEarlier?(text: string, earlierSigns: readonly string[], own?: TriageResult): TriageResult;
  /**
   * The rules again, with the signs of the last few messages before any escalation read as if
   * told in this one, their checks and contexts included (src/turn/3-triage.ts). `own` as above.
   */
  assessAcross?(text: string, earlierSigns: readonly string[], earlierDenied?: readonly string[], own?: TriageResult): TriageResult;
  /** The same, giving the event loop a turn between windows of a long message. */
  assessAsync?(text: string): Promise<TriageResult>;
}

/** The full triage: assessment plus what the escalation needs. */
export interface LoadedTriage extends Triage {
  readonly lexicon: Lexicon;
  readonly wording: Wording;
  /** Debug view: tokens, concept occurrences with negation, fired rules. */
  analyse(text: string): Analysis;
}

export const NO_FLAG: TriageResult = { level: 'none', reasons: [], conditions: [], screen: false, screenFor: [], safetyNet: false, allClear: false, whys: [], signs: [], denied: [] };

/**
 * Long messages are analysed in overlapping windows, so the work stays linear in the
 * length and a red flag at the end of a long message is never skipped.
 */
const WINDOW = 1500;
const OVERLAP = 300;

export function windows(text: string): string[] {
  if (text.length <= WINDOW) return [text];
  const out: string[] = [];
  for (let start = 0; start < text.length; start += WINDOW - OVERLAP) {
    out.push(text.slice(start, start + WINDOW));
    if (start + WINDOW >= text.length) break;
  }
  return out;
}

/** The reasons of the conditions that escalate (`condition/rule` ids), without those of conditions only screened or given the safety net. */
export function escalatingReasons(result: Pick<TriageResult, 'reasons' | 'conditions'>): string[] {
  return result.reasons.filter((r) => result.conditions.includes(r.split('/')[0] ?? ''));
}

/** The rules that fired on one analysis, with the concepts it names (signs) and those it names only denied. */
function fromAnalysis(fired: Rule[], a: Analysis): TriageResult {
  let level: Urgency = 'none';
  const escalating = fired.filter(isEscalatingRule);
  for (const r of escalating) level = maxUrgency(level, r.level);
  // a story's signs (someone else's, one long over) are not carried to the next messages, nor those of staff
  // material set aside (a quiz's scenario is nobody's leg: "she's here for her Achilles rehab" next is not a rupture),
  // nor the signs a concept of the message explains (a leg that "went dead" from sitting on it, back to normal now)
  const own = a.setAside ? [] : a.occurrences.filter((o) => !o.inStory && !o.explained);
  const signs = [...new Set(own.filter((o) => !o.negated).map((o) => o.concept))];
  return {
    level,
    reasons: fired.map((r) => `${r.condition}/${r.id}`),
    conditions: [...new Set(escalating.map((r) => r.condition))],
    screen: fired.some((r) => r.level === 'screen'),
    screenFor: [...new Set(fired.filter((r) => r.level === 'screen').map((r) => r.condition))],
    safetyNet: fired.some((r) => r.level === 'safety_net'),
    allClear: fired.some((r) => r.all_clear),
    whys: escalating.map((r) => r.why),
    signs,
    denied: [...new Set(own.filter((o) => o.negated && !signs.includes(o.concept)).map((o) => o.concept))],
  };
}

function merge(a: TriageResult, b: TriageResult): TriageResult {
  return {
    level: maxUrgency(a.level, b.level),
    reasons: [...new Set([...a.reasons, ...b.reasons])],
    conditions: [...new Set([...a.conditions, ...b.conditions])],
    screen: a.screen || b.screen,
    screenFor: [...new Set([...a.screenFor, ...b.screenFor])],
    safetyNet: a.safetyNet || b.safetyNet,
    allClear: a.allClear || b.allClear,
    whys: [...new Set([...a.whys, ...b.whys])],
    signs: [...new Set([...a.signs, ...b.signs])],
    denied: [...new Set([...a.denied, ...b.denied])].filter((c) => !a.signs.includes(c) && !b.signs.includes(c)),
  };
}

export interface TriageOptions {
  /** The second, independent detector (omit to use the rules alone, e.g. in rule tests). */
  detector?: RedFlagDetector;
  /** The lexicon's compiled matcher, when the detector already built it (built here otherwise). */
  matcher?: Matcher;
}

export function createTriage(lexicon: Lexicon, wording: Wording, options: TriageOptions = {}): LoadedTriage {
  const matcher = options.matcher ?? new Matcher(lexicon);
  checkWordingConditions(wording, lexicon);
  const labels = new Map(lexicon.conditions.map((c) => [c.id, c.label]));
  /**
   * The analysis behind each result `assess`/`assessAsync` gave (read-only once made), for the
   * same turn's second look (`own` of assessWithEarlier/assessAcross). Keyed by the result the
   * turn holds, not one slot for the last message: between a turn's two looks other
   * conversations' turns are triaged (the turn awaits its state), and a single slot was
   * overwritten there, so about a third of the messages were analysed twice under load.
   */
  const analysed = new WeakMap<TriageResult, { text: string; analyses: Analysis[] }>();
  return {
    lexicon,
    wording,
    analyse: (text) => matcher.analyse(cleanText(text)),
    assess(raw: string): TriageResult {
      const text = prepare(raw);
      if (text === null) return NO_FLAG;
      const analyses = windows(text).map((part) => matcher.analyse(part));
      return combine(text, analyses);
    },
    assessWithEarlier: (raw, earlierSigns, own) => withEarlier(raw, own, (a) => matcher.rulesWithEarlierSigns(a, earlierSigns)),
    assessAcross: (raw, earlierSigns, earlierDenied = [], own) => withEarlier(raw, own, (a) => matcher.rulesAcrossMessages(a, earlierSigns, earlierDenied)),
    async assessAsync(raw: string): Promise<TriageResult> {
      const text = prepare(raw);
      if (text === null) return NO_FLAG;
      const analyses: Analysis[] = [];
      for (const part of windows(text)) {
        // Each window takes a few milliseconds; other conversations run in between.
        if (analyses.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        analyses.push(matcher.analyse(part));
      }
      return combine(text, analyses);
    },
  };

  /** The rules `fired` picks for each window, with what the message itself names as its signs. */
  function withEarlier(raw: string, own: TriageResult | undefined, fired: (a: Analysis) => Rule[]): TriageResult {
    const text = prepare(raw);
    if (text === null) return NO_FLAG;
    const analyses = analysesOf(text, own) ?? windows(text).map((part) => matcher.analyse(part));
    return analyses.reduce((acc, a) => merge(acc, fromAnalysis(fired(a), a)), NO_FLAG);
  }

  /** The cleaned text, or null when there is nothing to assess. */
  function prepare(raw: string): string | null {
    if (typeof raw !== 'string') return null;
    const text = cleanText(raw);
    return text.trim() === '' ? null : text;
  }

  /** The analysis `own` was assessed from, when it was this very text (analysis depends on the text alone). */
  function analysesOf(text: string, own: TriageResult | undefined): Analysis[] | undefined {
    const known = own === undefined ? undefined : analysed.get(own);
    return known?.text === text ? known.analyses : undefined;
  }

  function combine(text: string, analyses: Analysis[]): TriageResult {
    const result = assessed(text, analyses);
    analysed.set(result, { text, analyses });
    return result;
  }

  function assessed(text: string, analyses: Analysis[]): TriageResult {
    let result = analyses.reduce((acc, a) => merge(acc, fromAnalysis(a.fired, a)), NO_FLAG);
    if (options.detector) {
      // A message no longer than one window was analysed whole already: the detector reuses it.
      const [only] = analyses;
      const d = analyses.length === 1 && only && text.length <= DETECTOR_CHARS && options.detector.detectAnalysed
        ? options.detector.detectAnalysed(only)
        : options.detector.detect(text);
      if (d.verdict === 'escalate' && result.level === 'urgent' && d.level === 'emergency' && d.conditionProbability >= 0.6 && d.mayRaise) {
        // The rules saw an urgent red flag; the detector reads an emergency in it (its level is
        // learnt per message, src/triage/detector.ts): the higher level wins, unless the message
        // tells a course the rules have weighed already (`keep_rules_level_with`: a gradual onset).
        result = { ...result, level: 'emergency', reasons: [...result.reasons, `${d.condition}/detector`], conditions: [...new Set([...result.conditions, d.condition])] };
      } else if (d.verdict === 'escalate' && d.enoughAlone && !isEscalation(result.level) && !analyses.some((a) => a.discounted.includes(d.condition))) {
        result = merge(result, {
          ...NO_FLAG,
          level: d.level,
          reasons: [`${d.condition}/detector`],
          conditions: [d.condition],
          whys: [`What you describe can be a sign of ${(labels.get(d.condition) ?? 'a serious problem').replace(/ \(.*\)$/, '').toLowerCase()}, which needs to be checked.`],
        });
      } else if (d.verdict !== 'none' && !isEscalation(result.level) && !analyses.every((a) => a.setAside)) {
        // Unsure, or sure on too little ("just got off a long flight"): ask the questions.
        result = { ...result, screen: true, screenFor: [...new Set([...result.screenFor, d.condition])], reasons: [...result.reasons, `${d.condition}/detector_unsure`] };
      }
    }
    if (isEscalation(result.level)) result = { ...result, screen: false, screenFor: [], safetyNet: false };
    return result;
  }
}

/** Every condition the screening questions or the take-back name is one of the lexicon's: a typo there would never be asked, or never kept. */
function checkWordingConditions(wording: Wording, lexicon: Lexicon): void {
  const known = new Set(lexicon.conditions.map((c) => c.id));
  for (const set of wording.screening.sets) {
    const unknown = [...set.for, ...set.questions.map((q) => q.condition)].filter((c) => !known.has(c));
    if (unknown.length > 0) throw new WordingError(`${WORDING_FILE}: screening set "${set.id}": unknown condition "${unknown[0]}" (conditions are listed in triage/red-flags.yaml)`);
  }
  const unknownNever = wording.after_escalation.taken_back.never_for.filter((c) => !known.has(c));
  if (unknownNever.length > 0) throw new WordingError(`${WORDING_FILE}: after_escalation.taken_back.never_for: unknown condition "${unknownNever[0]}" (conditions are listed in triage/red-flags.yaml)`);
}

/**
 * Rules and wording from `dir`; the detector too unless `detector: false`. With `cacheDir`
 * the parsed lexicon with its phrase hints (src/triage/lexiconCache.ts) and the detector's
 * trained model (src/triage/detector.ts) are reused from there.
 */
export function loadTriage(dir = 'triage', options: { detector?: boolean; cacheDir?: string } = {}): LoadedTriage {
  // With a cache folder, the parsed lexicon and its phrase hints come from there (lexiconCache.ts).
  const { lexicon, hints } = loadCompiledLexicon(dir, options.cacheDir);
  // One compiled matcher for the rules and the detector.
  const matcher = new Matcher(lexicon, { phraseHints: hints });
  const detector = options.detector === false ? undefined : loadDetector(lexicon, dir, options.cacheDir, matcher);
  return createTriage(lexicon, loadWording(dir), { detector, matcher });
}

export type { EscalationLevel };

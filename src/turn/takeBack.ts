/**
 * "ok not literally lol", "sorry, that sounded dramatic": in the very next message, the
 * writer takes back the words of a short message that escalated ("i think ive snapped my
 * leg 😭😭", "My calf is dead. Completely dead."). Which escalations can be taken back, and the
 * words that do it, are data: triage/escalation.yaml, `after_escalation.taken_back`.
 * src/turn/3-triage.ts decides, with the new message's own assessment: the message must not
 * escalate or add to the escalation itself.
 */
import type { Config } from '../config';
import { fillPlaceholders } from '../domain/placeholders';
import { escalatingReasons, type TriageResult } from '../triage';
import { tokenize } from '../triage/matcher';
import type { Wording } from '../triage/wording';
import { compileFollowUpPhrases, followUpText } from './followUpPhrases';

export class TakeBack {
  private readonly phrases: RegExp[];
  private readonly maxWords: number;
  private readonly maxRules: number;
  private readonly neverFor: ReadonlySet<string>;
  /** What the bot says when it takes the escalation back, placeholders filled. */
  readonly reply: string;

  constructor(wording: Wording, config: Config) {
    const spec = wording.after_escalation.taken_back;
    this.phrases = compileFollowUpPhrases(spec.phrases);
    this.maxWords = spec.max_words;
    this.maxRules = spec.max_rules;
    this.neverFor = new Set(spec.never_for);
    this.reply = fillPlaceholders(spec.reply, config);
  }

  /**
   * May the next message take back an escalation that this message raised on its own? Short,
   * on few rules (those of the escalating conditions), and for none of the conditions that are
   * never taken back.
   */
  eligible(text: string, result: Pick<TriageResult, 'reasons' | 'conditions'>): boolean {
    const words = tokenize(text).filter((t) => /[a-z0-9]/.test(t)).length;
    return words <= this.maxWords && escalatingReasons(result).length <= this.maxRules && !result.conditions.some((c) => this.neverFor.has(c));
  }

  /** Does this message take back the words of the one before? */
  takesBack(text: string): boolean {
    const normalised = followUpText(text);
    return this.phrases.some((re) => re.test(normalised));
  }
}

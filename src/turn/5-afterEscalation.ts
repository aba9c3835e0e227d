/**
 * After an escalation, for the rest of the conversation: the bot does not go back to
 * business as usual because the user asks for something else.
 *  - "can I still stretch / massage / foam roll / do the test?" → not until checked,
 *    with the card's call buttons again;
 *  - "they can't see me until Thursday", "I'll wait and see" → don't wait, get seen
 *    today (emergency: call now);
 *  - "can I drive myself?" → don't drive yourself;
 *  - "the ambulance is on its way", "I'm at A&E" → stay where help can reach you;
 *  - "can I take aspirin / ibuprofen?" → nothing new unless a clinician says so;
 *  - "I'm scared" → reassurance, and the call to action again;
 *  - "yes, both" / "I have" straight after the urgent card's "call 999 if you get chest pain or
 *    feel short of breath…" → the conversation becomes an emergency: call now;
 *  - "the doctor examined me and ruled it out" → the escalation is cleared, with a
 *    reminder of the warning signs; but not when this escalation came after such an
 *    all-clear (new signs after a check are not covered by it);
 *  - anything else is answered, followed by a one-line reminder, or by "don't wait: get seen
 *    today" when the bot could not place it (off-topic: most likely about the escalation) or
 *    when its signs add a red-flag reason to the escalation ("I flew back yesterday, does that matter?");
 *    during an emergency it is not answered as usual: call now, and calf questions once seen.
 * The words and replies are data: triage/escalation.yaml, `after_escalation`.
 * Every reply while escalated carries `channelData.urgency` at the escalated level.
 */
import { ActivityTypes, type ConversationState, type Middleware, type TurnContext } from 'botbuilder';
import { cardMessage } from '../cards';
import type { Config } from '../config';
import { fillPlaceholders } from '../domain/placeholders';
import { maxUrgency, type EscalationLevel } from '../domain/urgency';
import { escalationSpec } from '../triage/escalation';
import { tokenize } from '../triage/matcher';
import type { Wording } from '../triage/wording';
import type { EscalationMemory, EscalationRecord } from './escalationMemory';
import type { Escalator } from './escalator';
import { compileFollowUpPhrases, followUpText } from './followUpPhrases';
import { turnMeta } from './turnMeta';

export type FollowUp = 'confirms_signs' | 'cleared' | 'waiting' | 'driving' | 'help_coming' | 'unsafe_request' | 'medicine' | 'worried' | 'other';

export class AfterEscalation {
  private readonly waiting: RegExp[];
  private readonly driving: RegExp[];
  private readonly cleared: RegExp[];
  private readonly helpComing: RegExp[];
  private readonly worried: RegExp[];
  private readonly confirms: RegExp[];
  private readonly unsafe: Set<string>;
  private readonly medicine: Set<string>;

  constructor(private readonly wording: Wording) {
    const after = wording.after_escalation;
    this.waiting = compileFollowUpPhrases(after.waiting.phrases);
    this.driving = compileFollowUpPhrases(after.driving.phrases);
    this.cleared = compileFollowUpPhrases(after.cleared.phrases);
    this.helpComing = compileFollowUpPhrases(after.help_coming.phrases);
    this.worried = compileFollowUpPhrases(after.worried.phrases);
    this.confirms = after.confirms_signs.phrases.map((p) => new RegExp(p));
    this.unsafe = new Set(after.unsafe_request.words);
    this.medicine = new Set(after.medicine.words);
  }

  /** What kind of follow-up a message is (exported for tests). */
  classify(text: string): FollowUp {
    const normalised = followUpText(text);
    if (this.confirms.some((re) => re.test(normalised))) return 'confirms_signs';
    if (this.cleared.some((re) => re.test(normalised))) return 'cleared';
    if (this.driving.some((re) => re.test(normalised))) return 'driving';
    if (this.waiting.some((re) => re.test(normalised))) return 'waiting';
    if (this.helpComing.some((re) => re.test(normalised))) return 'help_coming';
    const words = tokenize(text);
    if (words.some((w) => this.unsafe.has(w))) return 'unsafe_request';
    if (words.some((w) => this.medicine.has(w))) return 'medicine';
    if (this.worried.some((re) => re.test(normalised))) return 'worried';
    return 'other';
  }

  isUnsafeRequest(text: string): boolean {
    return tokenize(text).some((w) => this.unsafe.has(w));
  }

  reply(kind: Exclude<FollowUp, 'confirms_signs' | 'cleared' | 'other'>, level: EscalationLevel): string {
    return this.wording.after_escalation[kind].reply[level];
  }
}

export interface AfterEscalationOptions {
  wording: Wording;
  memory: EscalationMemory;
  conversationState: ConversationState;
  config: Config;
  /** Sends the emergency card when a reply confirms the urgent card's emergency signs. */
  escalator: Escalator;
}

export class AfterEscalationMiddleware implements Middleware {
  private readonly after: AfterEscalation;

  constructor(private readonly options: AfterEscalationOptions) {
    this.after = new AfterEscalation(options.wording);
  }

  /**
   * For a dialog that has the user stretch, roll, load or test the calf (`hold_while_escalated`),
   * reached through a menu, a button or a "yes" to an offer, words the checks above never see:
   * while an escalation is open, "not until you have been checked" with the card's buttons.
   */
  async holdIfEscalated(context: TurnContext): Promise<boolean> {
    const record = await this.options.memory.get(context);
    if (!record) return false;
    await this.sendWithButtons(context, this.after.reply('unsafe_request', record.level), record);
    turnMeta(context).held = true;
    return true;
  }

  private async sendWithButtons(context: TurnContext, reply: string, record: EscalationRecord): Promise<void> {
    const { config, wording } = this.options;
    const spec = escalationSpec(wording, record.level, { redFlags: record.redFlags, conditions: record.conditions, whys: [] }, config);
    await context.sendActivity(cardMessage({ paragraphs: [fillPlaceholders(reply, config)], buttons: spec.buttons, style: record.level, suggest: false }));
  }

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const meta = turnMeta(context);
    if (context.activity.type !== ActivityTypes.Message || meta.escalated) return next();
    const record = await this.options.memory.get(context);
    if (!record) return next();
    const { config, wording } = this.options;
    const fill = (s: string): string => fillPlaceholders(s, config);
    const text = context.activity.text ?? '';
    const kind = this.after.classify(text);

    if (kind === 'cleared' && !record.afterAllClear) {
      await this.options.memory.clear(context);
      await context.sendActivity(fill(wording.after_escalation.cleared.reply));
      // Saved now: the dialogs' turn may load state afresh (src/turn/retry.ts) and must see it cleared.
      await this.options.conversationState.saveChanges(context);
      // "…and it was ruled out: which stretches now?" is answered; a bare report ends here.
      return this.after.isUnsafeRequest(text) ? next() : undefined;
    }

    if (kind === 'confirms_signs' && record.level === 'urgent') {
      // "yes, both" to the card's emergency signs: the emergency card, remembered and alerted as any escalation
      const reason = { redFlags: ['after_escalation/confirms_signs'], conditions: record.conditions, whys: [fill(wording.after_escalation.confirms_signs.reply)] };
      await this.options.escalator.escalate(context, 'emergency', reason, text);
      await this.options.conversationState.saveChanges(context);
      return;
    }
    meta.urgency = maxUrgency(meta.urgency, record.level);
    if (kind === 'other' && record.level === 'urgent' && !meta.addsToEscalation) {
      await next();
      // A message the bot could not place ('none': the out-of-scope menu) is most likely about
      // the escalation itself ("is it ok to go to work first"): the card's call to action again,
      // not a one-line reminder under an off-topic menu.
      // (a dialog held back for the escalation has said so with the card's buttons already)
      if (meta.held) return;
      if (meta.intent !== 'none') {
        await context.sendActivity(fill(wording.after_escalation.reminder[record.level]));
        return;
      }
    }
    // An all-clear claimed after new signs came up: the check before them cannot rule them out.
    const reply =
      // an urgent 'other' gets here only when the bot could not place it, or it adds to the escalation (above)
      kind === 'other' && record.level === 'urgent' ? wording.after_escalation.waiting.reply.urgent
      : kind === 'other' || kind === 'confirms_signs' ? wording.after_escalation.during_emergency
      : kind === 'cleared' ? wording.after_escalation.cleared.after_new_signs[record.level]
      : this.after.reply(kind, record.level);
    await this.sendWithButtons(context, reply, record);
    await this.options.conversationState.saveChanges(context);
  }
}

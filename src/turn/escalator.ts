/**
 * Sends an escalation, from wherever it is decided: triage on a typed message, an
 * `escalate` node in a dialog tree, or a "yes" in the screening questions. One
 * place, so a sign gets the same card and level everywhere: a dialog names a triage
 * rule, and the level is that rule's. The card goes out first, then the escalation
 * is remembered for the conversation and the optional staff alert fires.
 */
import type { TurnContext } from 'botbuilder';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { maxUrgency, type EscalationLevel } from '../domain/urgency';
import type { LoadedTriage } from '../triage';
import type { EscalationAlert } from '../triage/alert';
import { buildEscalation, type EscalationReason } from '../triage/escalation';
import type { EscalationMemory } from './escalationMemory';
import { turnMeta } from './turnMeta';

export interface EscalatorDeps {
  triage: LoadedTriage;
  config: Config;
  memory: EscalationMemory;
  logger: Logger;
  alert?: EscalationAlert;
}

export class Escalator {
  constructor(private readonly deps: EscalatorDeps) {}

  /**
   * The level and reason of a triage rule, for a dialog's `escalate` node, or of a
   * screening question (`screening:<id>`); throws on an unknown id.
   */
  forRule(ruleId: string): { level: EscalationLevel; reason: EscalationReason } {
    if (ruleId.startsWith('screening:')) {
      const q = this.deps.triage.wording.screening.sets.flatMap((s) => s.questions).find((x) => `screening:${x.id}` === ruleId);
      if (!q) throw new Error(`escalation: no screening question "${ruleId}" in triage/escalation.yaml`);
      return { level: q.level, reason: { redFlags: [`${q.condition}/screening_${q.id}`], conditions: [q.condition], whys: [] } };
    }
    const rule = this.deps.triage.lexicon.rules.find((r) => r.id === ruleId);
    if (!rule || (rule.level !== 'urgent' && rule.level !== 'emergency')) {
      throw new Error(`escalation: "${ruleId}" is not an escalating rule in triage/red-flags.yaml`);
    }
    return { level: rule.level, reason: { redFlags: [`${rule.condition}/${rule.id}`], conditions: [rule.condition], whys: [rule.why] } };
  }

  /** Escalate as a triage rule or screening question does. */
  async escalateRule(context: TurnContext, ruleId: string): Promise<void> {
    const { level, reason } = this.forRule(ruleId);
    await this.escalate(context, level, reason);
  }

  /**
   * Send the card, remember the escalation, alert staff. `remember: false` when the
   * caller saves the conversation itself (the triage step clears the dialog in the
   * same write, and reads the state only once when the database is slow).
   */
  async escalate(context: TurnContext, level: EscalationLevel, reason: EscalationReason, text?: string, options: { remember?: boolean } = {}): Promise<void> {
    const meta = turnMeta(context);
    const alreadySent = meta.escalated;
    meta.urgency = maxUrgency(meta.urgency, level);
    meta.redFlags = [...new Set([...meta.redFlags, ...reason.redFlags])];
    meta.conditions = [...new Set([...meta.conditions, ...reason.conditions])];
    meta.escalated = true;
    const conversationId = context.activity.conversation?.id ?? 'unknown';
    this.deps.logger.warn({ conversationId, urgency: level, redFlags: reason.redFlags }, 'red flag: escalating');
    if (!alreadySent) await context.sendActivity(buildEscalation(this.deps.triage.wording, level, reason, this.deps.config));
    try {
      if (options.remember !== false) await this.deps.memory.remember(context, level, reason.conditions, reason.redFlags);
    } catch (err) {
      // The card is out; the storage is down. Say so to operators and keep the turn alive.
      this.deps.logger.error({ err: { name: (err as Error).name, message: (err as Error).message }, conversationId }, 'escalation: could not remember it in conversation state');
    }
    if (this.deps.alert) {
      void this.deps.alert.send({ level, reasons: reason.redFlags, conversationId, channelId: context.activity.channelId, time: new Date(), text });
    }
  }
}

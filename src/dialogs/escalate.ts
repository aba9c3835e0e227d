/**
 * The `escalate` node: raises the turn's urgency and sends the urgent-care message.
 * The message itself belongs to triage (src/triage/escalation.ts), so the bot says
 * the same thing whether a red flag was typed or answered "yes" in a tree. If the
 * triage middleware already escalated this turn, the card is not sent twice.
 */
import type { TurnContext } from 'botbuilder';
import type { Config } from '../config';
import { buildEscalation, fallbackEscalationSource, type EscalationSource } from '../triage/escalation';
import { maxUrgency } from '../domain/urgency';
import { turnMeta } from '../turn/turnMeta';

let source: EscalationSource | undefined;

export async function escalate(context: TurnContext, level: 'urgent' | 'emergency', reason: string, config: Config): Promise<void> {
  const meta = turnMeta(context);
  const alreadySent = meta.escalated;
  meta.urgency = maxUrgency(meta.urgency, level);
  if (!meta.redFlags.includes(reason)) meta.redFlags.push(reason);
  meta.escalated = true;
  if (alreadySent) return;
  source ??= fallbackEscalationSource();
  await context.sendActivity(buildEscalation(source, level, [reason], config));
}

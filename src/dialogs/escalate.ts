/**
 * The `escalate` node: raises the turn's urgency and sends the urgent-care message.
 * The message itself belongs to triage (src/triage/escalation.ts) so the bot says
 * the same thing whether a red flag was typed or answered "yes" in a tree.
 */
import type { TurnContext } from 'botbuilder';
import type { Config } from '../config';
import { cardMessage } from '../cards';
import { maxUrgency, turnMeta } from '../turnMeta';

// TEMPORARY until src/triage/escalation.ts exports its builder: the same facts
// (see shared/CONTENT-NOTES.md, red flags) in a card. Replace by the triage import.
function escalationMessage(level: 'urgent' | 'emergency', config: Config) {
  return cardMessage({
    style: level,
    title: level === 'emergency' ? `Call ${config.EMERGENCY_NUMBER} now` : 'Please get medical help today',
    paragraphs: [
      level === 'emergency'
        ? `What you describe can be a medical emergency. Call ${config.EMERGENCY_NUMBER} now.`
        : 'What you describe can be a sign of a problem that needs a doctor straight away, such as a blood clot or a circulation problem. Please contact a doctor or urgent care today; do not wait for a physiotherapy appointment.',
      `If you also have chest pain, sudden breathlessness or cough up blood, call ${config.EMERGENCY_NUMBER} now.`,
    ],
    buttons: [{ title: `Call ${config.EMERGENCY_NUMBER}`, kind: 'call', value: config.EMERGENCY_NUMBER }],
  });
}

export async function escalate(context: TurnContext, level: 'urgent' | 'emergency', reason: string, config: Config): Promise<void> {
  const meta = turnMeta(context);
  meta.urgency = maxUrgency(meta.urgency, level);
  if (!meta.redFlags.includes(reason)) meta.redFlags.push(reason);
  meta.escalated = true;
  await context.sendActivity(escalationMessage(level, config));
}

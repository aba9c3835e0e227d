/**
 * Urgency: the one scale every part of the bot shares. `none` is an ordinary answer,
 * `urgent` means "get medical advice today", `emergency` means "call the emergency
 * number now". Replies, transcripts, alerts and the staff console all use these words.
 */
export const URGENCY_LEVELS = ['none', 'urgent', 'emergency'] as const;
export type Urgency = (typeof URGENCY_LEVELS)[number];

/** The levels that escalate (an urgent-care or emergency card). */
export const ESCALATION_LEVELS = ['urgent', 'emergency'] as const;
export type EscalationLevel = (typeof ESCALATION_LEVELS)[number];

export function urgencyRank(level: Urgency): number {
  return URGENCY_LEVELS.indexOf(level);
}

export function maxUrgency<T extends Urgency>(a: T, b: T): T {
  return urgencyRank(a) >= urgencyRank(b) ? a : b;
}

export function isEscalation(level: Urgency): level is EscalationLevel {
  return level !== 'none';
}

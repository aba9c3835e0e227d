/**
 * The escalation message: an urgent-care or emergency card built from
 * `triage/escalation.yaml` and the clinic's configuration. The card's plain-text
 * fallback is in `text` for channels that cannot show cards. The urgent card offers
 * same-day medical assessment (URGENT_CARE_*) first and the clinic second; the
 * emergency card offers the emergency number first and never says "soon".
 */
import type { Activity } from 'botbuilder';
import { cardMessage, type CardButton, type CardSpec } from '../cards';
import type { Config } from '../config';
import type { ReplyChannelData } from '../domain/channelData';
import { fillPlaceholders } from '../domain/placeholders';
import type { EscalationLevel } from '../domain/urgency';
import type { Wording } from './wording';

/** What an escalation needs to know about why it happened. */
export interface EscalationReason {
  /** `condition/rule` ids, most severe first. */
  redFlags: string[];
  conditions: string[];
  /** One-line explanations (the rules' `why`), shown as the card's first bullets. */
  whys: string[];
}

export function escalationSpec(wording: Wording, level: EscalationLevel, reason: EscalationReason, config: Config): CardSpec {
  const card = wording.cards[level];
  const fill = (s: string): string => fillPlaceholders(s, config);
  const digits = (s: string): string => s.replace(/[^0-9+]/g, '');
  const buttons: CardButton[] = card.buttons.map((b) => ('call' in b
    ? { title: fill(b.title), kind: 'call', value: `tel:${digits(fill(b.call))}` }
    : { title: fill(b.title), kind: 'openUrl', value: fill(b.url) }));
  // An emergency card explains only with emergency reasons: never "see a doctor soon".
  const whys = [...new Set(reason.whys)].filter((w) => level !== 'emergency' || !/\bsoon\b|\btoday\b/i.test(w)).slice(0, 2);
  return {
    title: fill(card.title),
    paragraphs: card.paragraphs.map(fill),
    bullets: [...whys, ...card.bullets.map(fill)],
    style: level,
    buttons,
    suggest: false,
  };
}

/** The escalation message activity: Adaptive Card + text fallback + channelData. */
export function buildEscalation(wording: Wording, level: EscalationLevel, reason: EscalationReason, config: Config): Partial<Activity> {
  const message = cardMessage(escalationSpec(wording, level, reason, config));
  const channelData: ReplyChannelData = { intent: null, urgency: level, redFlags: reason.redFlags, conditions: reason.conditions };
  message.channelData = { ...(message.channelData as Record<string, unknown> | undefined), ...channelData };
  return message;
}

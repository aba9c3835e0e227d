/**
 * The escalation message: an urgent-care or emergency card built from the wording in
 * `intents/red-flags.yaml` (`responses:`) and the clinic's configuration. The card's
 * plain-text fallback is in `text` for channels that cannot show cards.
 * The wording never reassures: tests check it for reassurance phrases.
 */
import type { Activity } from 'botbuilder';
import { cardMessage, type CardButton, type CardSpec } from '../cards';
import type { Config } from '../config';
import { loadLexicon, type EscalationText } from './lexicon';

export type EscalationLevel = 'urgent' | 'emergency';

export interface EscalationSource {
  responses(level: EscalationLevel): EscalationText;
  why(ruleId: string): string | undefined;
}

/** Replace {clinicName} {clinicPhone} {emergencyNumber}; unknown placeholders stay visible. */
export function fillPlaceholders(template: string, config: Config): string {
  const values: Record<string, string> = {
    clinicName: config.CLINIC_NAME,
    clinicPhone: config.CLINIC_PHONE,
    emergencyNumber: config.EMERGENCY_NUMBER,
  };
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

/** The card spec for an escalation (exported for tests and the chat CLI). */
export function escalationSpec(source: EscalationSource, level: EscalationLevel, reasons: string[], config: Config): CardSpec {
  const text = source.responses(level);
  const fill = (s: string): string => fillPlaceholders(s, config);
  const whys = [...new Set(reasons.map((r) => source.why(r)).filter((w): w is string => !!w))].slice(0, 2);
  const clinicTel = `tel:${config.CLINIC_PHONE.replace(/[^0-9+]/g, '')}`;
  const emergencyTel = `tel:${config.EMERGENCY_NUMBER}`;
  const buttons: CardButton[] = level === 'emergency'
    ? [
      { title: fill(text.call_emergency), kind: 'call', value: emergencyTel },
      { title: fill(text.call_clinic), kind: 'call', value: clinicTel },
    ]
    : [
      { title: fill(text.call_clinic), kind: 'call', value: clinicTel },
      { title: fill(text.call_emergency), kind: 'call', value: emergencyTel },
    ];
  return {
    title: fill(text.title),
    paragraphs: text.paragraphs.map(fill),
    bullets: [...whys, ...text.bullets.map(fill)],
    style: level,
    buttons,
    suggest: false,
  };
}

/** The escalation message activity: Adaptive Card + text fallback + channelData.urgency. */
export function buildEscalation(source: EscalationSource, level: EscalationLevel, reasons: string[], config: Config): Partial<Activity> {
  const message = cardMessage(escalationSpec(source, level, reasons, config));
  message.channelData = { ...(message.channelData as Record<string, unknown> | undefined), urgency: level, intent: null, redFlags: reasons };
  return message;
}

/**
 * Used only when the middleware is given a bare `Triage` without wording: the lexicon
 * in `intents/`, or, if even that cannot be read, a minimal built-in text (an
 * escalation must never fail for want of wording).
 */
export function fallbackEscalationSource(dir = 'intents'): EscalationSource {
  try {
    const lexicon = loadLexicon(dir);
    const whys = new Map(lexicon.rules.map((r) => [r.id, r.why]));
    return { responses: (level) => lexicon.responses[level], why: (id) => whys.get(id) };
  } catch {
    const minimal = (title: string, paragraph: string): EscalationText => ({
      title,
      paragraphs: [paragraph],
      bullets: [],
      call_clinic: 'Call {clinicName}',
      call_emergency: 'Call {emergencyNumber}',
    });
    return {
      responses: (level) => level === 'emergency'
        ? minimal('Call {emergencyNumber} now', 'What you describe can be a medical emergency. Please call {emergencyNumber} now.')
        : minimal('Please get medical advice today', 'What you describe needs to be checked by a doctor today. Please call {clinicName} on {clinicPhone} or an urgent care service.'),
      why: () => undefined,
    };
  }
}

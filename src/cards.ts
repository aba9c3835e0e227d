/**
 * One builder for every card the bot sends: the urgent-care card, self-test step cards
 * and choice cards. Each is an Adaptive Card with a plain-text fallback (`text`) for
 * channels that cannot show cards; choices are also sent as suggested actions.
 */
import { ActionTypes, CardFactory, MessageFactory, type Activity, type CardAction } from 'botbuilder';

export type CardStyle = 'default' | 'emergency' | 'urgent' | 'step';

export interface CardButton {
  title: string;
  /** imBack: the title (or value) is sent back as the user's message. */
  kind: 'imBack' | 'openUrl' | 'call';
  value: string;
}

export interface CardSpec {
  title?: string;
  paragraphs: string[];
  /** Bulleted points shown after the paragraphs. */
  bullets?: string[];
  style?: CardStyle;
  buttons?: CardButton[];
  /** Show imBack buttons as suggested actions too (default true). */
  suggest?: boolean;
  /** A small last line, e.g. where the answer comes from ("From: …"). */
  footnote?: string;
}

const containerStyle: Record<CardStyle, string> = {
  default: 'default',
  emergency: 'attention',
  urgent: 'warning',
  step: 'emphasis',
};

/** Plain text for channels without cards: title, paragraphs, bullets and numbered buttons. */
export function cardText(spec: CardSpec): string {
  const parts: string[] = [];
  if (spec.title) parts.push(spec.title);
  parts.push(...spec.paragraphs);
  if (spec.bullets?.length) parts.push(spec.bullets.map((b) => `• ${b}`).join('\n'));
  const actions = (spec.buttons ?? []).filter((b) => b.kind !== 'imBack');
  if (actions.length) parts.push(actions.map((b) => `${b.title}: ${b.kind === 'call' ? b.value.replace(/^tel:/, '') : b.value}`).join('\n'));
  if (spec.footnote) parts.push(spec.footnote);
  return parts.join('\n\n');
}

function toCardAction(b: CardButton): CardAction {
  if (b.kind === 'imBack') return { type: ActionTypes.ImBack, title: b.title, value: b.value };
  const url = b.kind === 'call' && !b.value.startsWith('tel:') ? `tel:${b.value.replace(/[^0-9+]/g, '')}` : b.value;
  return { type: ActionTypes.OpenUrl, title: b.title, value: url };
}

/** The Adaptive Card JSON for a spec (schema 1.4, which Web Chat and Teams both render). */
export function adaptiveCard(spec: CardSpec): Record<string, unknown> {
  const style = spec.style ?? 'default';
  const body: Record<string, unknown>[] = [];
  // The heading keeps the default (dark) text colour: the Warning and Attention colours on
  // their own container backgrounds fall below 4.5:1 contrast (1.9:1 and 3.4:1 in Web Chat);
  // the container style and, in Web Chat, the frame and badge carry the urgency.
  if (spec.title) body.push({ type: 'TextBlock', text: spec.title, weight: 'Bolder', size: 'Medium', wrap: true, color: 'Default' });
  for (const p of spec.paragraphs) body.push({ type: 'TextBlock', text: p, wrap: true });
  if (spec.bullets?.length) body.push({ type: 'TextBlock', text: spec.bullets.map((b) => `- ${b}`).join('\n'), wrap: true });
  if (spec.footnote) body.push({ type: 'TextBlock', text: spec.footnote, size: 'Small', spacing: 'Medium', wrap: true });
  const actions = (spec.buttons ?? []).map((b) => {
    const a = toCardAction(b);
    return a.type === ActionTypes.ImBack
      ? { type: 'Action.Submit', title: b.title, data: { msteams: { type: 'imBack', value: b.value } } }
      : { type: 'Action.OpenUrl', title: b.title, url: a.value };
  });
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body: [{ type: 'Container', style: containerStyle[style], bleed: true, items: body }],
    ...(actions.length ? { actions } : {}),
  };
}

/** A message activity with the card, its text fallback and (for imBack buttons) suggested actions. */
export function cardMessage(spec: CardSpec): Partial<Activity> {
  const message = MessageFactory.attachment(CardFactory.adaptiveCard(adaptiveCard(spec)), cardText(spec));
  const imBacks = (spec.buttons ?? []).filter((b) => b.kind === 'imBack');
  if (imBacks.length && spec.suggest !== false) {
    message.suggestedActions = { actions: imBacks.map(toCardAction), to: [] };
  }
  return message;
}

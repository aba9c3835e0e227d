/**
 * Turns a message node into an activity: plain text, or a card (src/cards.ts) when
 * the node has a title, a card style or buttons. Answers carry their sources in
 * `channelData.sources` so staff can see what each reply rests on; given the source
 * titles, it also ends with a short "From: …" line patients can see.
 */
import { MessageFactory, type Activity } from 'botbuilder';
import { cardMessage, type CardButton } from '../cards';
import type { NodeOf } from '../content/schema';
import { sourcesLine, type SourceRef, type SourceTitles } from '../domain/sources';

export function renderMessage(node: NodeOf<'message'>, fillText: (t: string) => string, titles?: SourceTitles): Partial<Activity> {
  const paragraphs = node.text.map(fillText);
  const bullets = node.bullets?.map(fillText);
  const buttons: CardButton[] = (node.buttons ?? []).map((b) => ({ title: fillText(b.title), kind: b.kind, value: fillText(b.value) }));
  const footnote = titles && node.sources?.length ? sourcesLine(node.sources, titles) : undefined;
  const asCard = node.title !== undefined || node.card !== undefined || buttons.length > 0;
  const activity = asCard
    ? cardMessage({ title: node.title ? fillText(node.title) : undefined, paragraphs, bullets, style: node.card ?? 'default', buttons, footnote })
    : MessageFactory.text([...paragraphs, ...(bullets?.length ? [bullets.map((b) => `• ${b}`).join('\n')] : []), ...(footnote ? [footnote] : [])].join('\n\n'));
  if (node.sources?.length) {
    const sources: SourceRef[] = node.sources.map((s) => ({ document: s.document, section: s.section }));
    activity.channelData = { ...((activity.channelData as object | undefined) ?? {}), sources };
  }
  return activity;
}

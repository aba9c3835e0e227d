/**
 * The "needs teaching" inbox: patient messages the bot could not answer well, read from
 * the transcript. A message is in it when a reply to it
 *  - was the fallback (intent `none`, or `channelData.nlu.outcome === 'fallback'`),
 *  - asked "Did you mean…?" (`nlu.outcome === 'clarified'`),
 *  - answered with a confidence below the answer threshold in force, or
 *  - was rated 👎 by the patient (a `feedback` event).
 * Escalated messages (triage answered them) and messages already labelled are left out.
 * Similar messages are grouped (same words after normalising, or token Jaccard ≥ 0.6).
 */
import { foldAccents } from '../../domain/text';
import { feedbackValue } from '../../turn/feedback';
import type { TranscriptRow } from '../store/teachingTypes';

export const INBOX_REASONS = ['fallback', 'clarified', 'low_confidence', 'thumbs_down'] as const;
export type InboxReason = (typeof INBOX_REASONS)[number];

export interface InboxMessage {
  key: string;
  channel: string;
  conversationId: string;
  seq: number;
  at: string;
  text: string;
  reasons: InboxReason[];
  /** What the bot answered with, if an intent. */
  intent: string | null;
}

export interface InboxGroup {
  text: string;
  count: number;
  newestAt: string;
  reasons: Partial<Record<InboxReason, number>>;
  messages: InboxMessage[];
}

export interface NluMarker {
  outcome: 'answered' | 'clarified' | 'fallback';
  confidence: number | null;
  threshold: number | null;
}

const asRecord = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

export function nluOf(channelData: Record<string, unknown> | null): NluMarker | null {
  const nlu = asRecord(channelData?.nlu);
  const outcome = nlu?.outcome;
  if (outcome !== 'answered' && outcome !== 'clarified' && outcome !== 'fallback') return null;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return { outcome, confidence: num(nlu?.confidence), threshold: num(nlu?.threshold) };
}

/** Lower case, accents and punctuation removed, spaces collapsed. */
export function normaliseText(text: string): string {
  return foldAccents(text).toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, ' ').replace(/\s+/g, ' ').trim();
}

export function jaccard(a: string, b: string): number {
  const x = new Set(a.split(' ').filter(Boolean));
  const y = new Set(b.split(' ').filter(Boolean));
  if (x.size === 0 && y.size === 0) return 1;
  let both = 0;
  for (const t of x) if (y.has(t)) both++;
  return both / (x.size + y.size - both);
}

const msgKey = (r: { channel: string; conversationId: string }, id: string) => `${r.channel}\u0000${r.conversationId}\u0000${id}`;

export interface FeedbackLink {
  rating: 'up' | 'down';
  at: string;
  /** The rated bot reply, when found. */
  reply: TranscriptRow | null;
  /** The user message that reply answered. */
  question: TranscriptRow | null;
}

/** Feedback events matched to the reply they rate and the question behind it. */
export function feedbackLinks(rows: TranscriptRow[]): FeedbackLink[] {
  const byId = new Map<string, TranscriptRow>();
  for (const r of rows) if (r.activityId) byId.set(msgKey(r, r.activityId), r);
  const links: FeedbackLink[] = [];
  const lastUser = new Map<string, TranscriptRow>();
  const lastBot = new Map<string, TranscriptRow>();
  for (const r of rows) {
    const conv = `${r.channel}\u0000${r.conversationId}`;
    if (r.type === 'message' && r.role === 'user') lastUser.set(conv, r);
    if (r.type === 'message' && r.role === 'bot') lastBot.set(conv, r);
    if (r.type !== 'event' || r.name !== 'feedback' || r.role !== 'user') continue;
    const value = feedbackValue.safeParse(r.value);
    if (!value.success) continue;
    // The rated reply by id (the event's replyToId, else the value's), else the latest reply.
    const ratedId = r.replyToId ?? value.data.replyToId;
    let reply = byId.get(msgKey(r, ratedId)) ?? null;
    let question = (reply?.replyToId && byId.get(msgKey(r, reply.replyToId))) || null;
    if (!reply) {
      // Replies held until the end of a turn are logged under ids of their own, not the
      // channel's. Channel ids of one conversation sort in order (Direct Line: "<conv>|0000007"),
      // so the question is the patient's latest message whose id sorts before the rated one.
      question = questionBefore(rows, r, ratedId) ?? lastUser.get(conv) ?? null;
      reply = (question && rows.find((x) => x.role === 'bot' && x.type === 'message' && x.channel === r.channel && x.conversationId === r.conversationId && x.replyToId === question!.activityId)) || lastBot.get(conv) || null;
    }
    links.push({ rating: value.data.rating, at: r.at, reply: reply && reply.role === 'bot' ? reply : null, question: question && question.role === 'user' ? question : null });
  }
  return links;
}

function questionBefore(rows: TranscriptRow[], event: TranscriptRow, ratedId: string): TranscriptRow | null {
  let best: TranscriptRow | null = null;
  for (const x of rows) {
    if (x.seq >= event.seq || x.role !== 'user' || x.type !== 'message' || x.channel !== event.channel || x.conversationId !== event.conversationId) continue;
    if (x.activityId && x.activityId.length === ratedId.length && x.activityId < ratedId && (!best || x.seq > best.seq)) best = x;
  }
  return best;
}

/** Each user message's reasons to be taught, in transcript order. */
export function inboxMessages(rows: TranscriptRow[], options: { answerThreshold: number; labelled?: ReadonlySet<string> }): InboxMessage[] {
  const questions = new Map<string, TranscriptRow>();
  const reasons = new Map<string, Set<InboxReason>>();
  const escalated = new Set<string>();
  const answeredWith = new Map<string, string>();
  const add = (q: TranscriptRow, reason: InboxReason) => {
    const k = msgKey(q, String(q.seq));
    questions.set(k, q);
    let set = reasons.get(k);
    if (!set) reasons.set(k, (set = new Set()));
    set.add(reason);
  };
  const users = new Map<string, TranscriptRow>();
  for (const r of rows) if (r.role === 'user' && r.type === 'message' && r.activityId) users.set(msgKey(r, r.activityId), r);
  for (const r of rows) {
    if (r.role !== 'bot' || r.type !== 'message' || !r.replyToId) continue;
    const q = users.get(msgKey(r, r.replyToId));
    if (!q || !q.text) continue;
    const k = msgKey(q, String(q.seq));
    if (r.urgency === 'urgent' || r.urgency === 'emergency') escalated.add(k);
    if (r.intent && r.intent !== 'none') answeredWith.set(k, r.intent);
    const nlu = nluOf(r.channelData);
    if (nlu?.outcome === 'fallback' || (!nlu && r.intent === 'none')) add(q, 'fallback');
    else if (nlu?.outcome === 'clarified') add(q, 'clarified');
    else if (nlu?.outcome === 'answered' && nlu.confidence !== null && nlu.confidence < (nlu.threshold ?? options.answerThreshold)) add(q, 'low_confidence');
  }
  for (const f of feedbackLinks(rows)) if (f.rating === 'down' && f.question?.text) add(f.question, 'thumbs_down');
  const out: InboxMessage[] = [];
  for (const [k, q] of questions) {
    if (escalated.has(k)) continue;
    const key = `${q.channel}:${q.conversationId}`;
    if (options.labelled?.has(`${key}#${q.seq}`)) continue;
    out.push({
      key, channel: q.channel, conversationId: q.conversationId, seq: q.seq, at: q.at, text: q.text ?? '',
      reasons: INBOX_REASONS.filter((x) => reasons.get(k)?.has(x)), intent: answeredWith.get(k) ?? null,
    });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** Groups similar messages; newest group first, newest message first in each. */
export function groupMessages(messages: InboxMessage[], threshold = 0.6): InboxGroup[] {
  const groups: { norm: string; items: InboxMessage[] }[] = [];
  for (const m of messages) {
    const norm = normaliseText(m.text);
    const g = groups.find((x) => x.norm === norm) ?? groups.find((x) => jaccard(x.norm, norm) >= threshold);
    if (g) g.items.push(m);
    else groups.push({ norm, items: [m] });
  }
  return groups.flatMap(({ items }) => {
    const sorted = [...items].sort((a, b) => b.at.localeCompare(a.at) || b.seq - a.seq);
    const newest = sorted[0];
    if (!newest) return [];
    const reasonCounts: Partial<Record<InboxReason, number>> = {};
    for (const m of sorted) for (const r of m.reasons) reasonCounts[r] = (reasonCounts[r] ?? 0) + 1;
    return [{ text: newest.text, count: sorted.length, newestAt: newest.at, reasons: reasonCounts, messages: sorted }];
  }).sort((a, b) => b.newestAt.localeCompare(a.newestAt));
}

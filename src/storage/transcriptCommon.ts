/**
 * Backend-neutral parts of the transcript store: redaction and normalisation of an
 * activity into a row, per-conversation index deltas, cursors and filter checks.
 */
import { randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';
import { URGENCY_LEVELS, urgencyRank, type Urgency } from '../domain/urgency';
import { redact, redactDeep, RedactionMemo, safeId } from './redact';
import { REVIEW_STATUSES, type ConversationFilter, type ConversationPage, type ConversationSummary, type ReviewPatch, type StoredActivity } from './types';

export const TRANSCRIPT_PAGE_SIZE = 20;
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 200;

export interface ActivityRow {
  channel: string;
  conversationId: string;
  activityId: string | null;
  replyToId: string | null;
  ts: Date;
  role: 'user' | 'bot';
  type: string;
  text: string | null;
  intent: string | null;
  urgency: Urgency | null;
  json: string;
}

/**
 * A row of the `activities` table as a driver returns it: `seq` is a number (SQLite) or a
 * bigint's text (PostgreSQL), `ts` ISO text (SQLite) or a Date (PostgreSQL).
 */
export interface ActivityTableRow<Seq, Time> {
  seq: Seq;
  channel_id: string;
  conversation_id: string;
  activity_id: string | null;
  reply_to_id: string | null;
  ts: Time;
  role: string;
  type: string;
  text: string | null;
  intent: string | null;
  urgency: string | null;
  json: string;
}

/** The columns a conversation's read (console, transcript pages) selects. */
export type ActivityReadRow<Seq, Time> = Pick<ActivityTableRow<Seq, Time>, 'seq' | 'ts' | 'role' | 'type' | 'text' | 'intent' | 'urgency' | 'json'>;

export interface ConversationDelta {
  channel: string;
  conversationId: string;
  firstAt: Date;
  lastAt: Date;
  userMessages: number;
  urgencyRank: number;
  intents: string[];
}

function isUrgency(v: unknown): v is Urgency {
  return typeof v === 'string' && (URGENCY_LEVELS as readonly string[]).includes(v);
}

function toDate(v: unknown): Date {
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v;
  if (typeof v === 'string' || typeof v === 'number') {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return new Date();
}

function roleOf(a: Partial<Activity>): 'user' | 'bot' {
  const role = a.from?.role;
  if (role === 'bot' || role === 'skill') return 'bot';
  if (role === 'user') return 'user';
  const cd = a.channelData as Record<string, unknown> | undefined;
  if (cd && typeof cd === 'object' && ('intent' in cd || 'urgency' in cd)) return 'bot';
  return a.replyToId ? 'bot' : 'user';
}

/** The fields of an activity that hold text, that are redacted as a whole, and the parties. */
const TEXT_FIELDS = ['text', 'speak', 'summary'] as const;
const DEEP_FIELDS = ['value', 'attachments', 'entities', 'suggestedActions'] as const;
const PARTIES = ['from', 'recipient', 'conversation'] as const;
/** Lists of parties a conversationUpdate carries (on Teams, with people's real names). */
const MEMBER_LISTS = ['membersAdded', 'membersRemoved'] as const;

/** The bot's own texts, redacted once (see RedactionMemo; user text never goes in). */
const botTexts = new RedactionMemo();

/**
 * Redacts and normalises a turn's activities (see `prepareActivity`). Each distinct id
 * (conversation, user, bot, the message replied to) is checked once per batch, not once
 * per field of every activity.
 */
export function prepareActivities(activities: Partial<Activity>[]): ActivityRow[] {
  const ids = new Map<string, string>();
  const safe = (id: string): string => {
    let s = ids.get(id);
    if (s === undefined) {
      s = safeId(id);
      ids.set(id, s);
    }
    return s;
  };
  return activities.map((a) => prepareActivity(a, safe));
}

/**
 * Redacts and normalises one activity. The original text never leaves this function:
 * text, speak, summary, value, attachments, entities (and a user's channelData) are
 * redacted, display names are dropped, and ids (conversation, activity, reply-to, user
 * and bot) are stored as `safeId` makes them (unchanged unless they hold personal details).
 * Each text is redacted once; the bot's own replies through a bounded memo.
 */
export function prepareActivity(activity: Partial<Activity>, safe: (id: string) => string = safeId): ActivityRow {
  const channel = activity.channelId;
  const rawConversationId = activity.conversation?.id;
  if (!channel || !rawConversationId) throw new Error('Transcript: activity has no channelId or conversation.id');
  const conversationId = safe(rawConversationId);
  const role = roleOf(activity);
  const r = role === 'bot' ? botTexts.redact : redact;
  const ts = toDate(activity.timestamp);
  // A shallow copy: the fields changed below are replaced (redactDeep builds new values, the
  // parties are copied before their names go), never changed in the activity itself.
  const copy: Record<string, unknown> = { ...activity };
  copy.timestamp = ts.toISOString();
  for (const field of TEXT_FIELDS) if (typeof copy[field] === 'string') copy[field] = r(copy[field] as string);
  for (const field of DEEP_FIELDS) if (copy[field] !== undefined) copy[field] = redactDeep(copy[field], r);
  if (role === 'user' && copy.channelData !== undefined) copy.channelData = redactDeep(copy.channelData);
  for (const party of PARTIES) {
    const original = copy[party];
    if (!original || typeof original !== 'object') continue;
    // the conversation's own id comes out as conversationId: the same `safe` of the same id
    copy[party] = withoutName(original as Record<string, unknown>, safe);
  }
  for (const field of MEMBER_LISTS) {
    const list = copy[field];
    if (Array.isArray(list)) copy[field] = list.map((m: unknown) => (m && typeof m === 'object' ? withoutName(m as Record<string, unknown>, safe) : m));
  }
  const activityId = typeof copy.id === 'string' && copy.id ? safe(copy.id) : null;
  const replyToId = typeof copy.replyToId === 'string' && copy.replyToId ? safe(copy.replyToId) : null;
  if (typeof copy.id === 'string') copy.id = activityId ?? copy.id;
  if (typeof copy.replyToId === 'string') copy.replyToId = replyToId ?? copy.replyToId;
  if (copy.from && typeof copy.from === 'object') (copy.from as Record<string, unknown>).role = role;
  const cd = (activity.channelData ?? {}) as Record<string, unknown>;
  const intent = role === 'bot' && typeof cd.intent === 'string' ? cd.intent : null;
  const urgency = role === 'bot' && isUrgency(cd.urgency) ? cd.urgency : null;
  return {
    channel,
    conversationId,
    activityId,
    replyToId,
    ts,
    role,
    type: activity.type ?? 'message',
    text: typeof copy.text === 'string' ? copy.text : null,
    intent,
    urgency,
    json: JSON.stringify(copy),
  };
}

/**
 * A party (from, recipient, a member added…) without its display name and with its id made safe: a
 * rest copy, not `delete` (which would leave a slow object for JSON.stringify).
 */
function withoutName(party: Record<string, unknown>, safe: (id: string) => string): Record<string, unknown> {
  const { name: _name, ...p } = party;
  if (typeof p.id === 'string') p.id = safe(p.id);
  return p;
}

export function conversationKey(channel: string, id: string): string {
  return `${channel}\u0000${id}`;
}

/** What a batch of rows changes on each conversation's index row. Sorted by key (lock order). */
export function deltasOf(rows: ActivityRow[]): ConversationDelta[] {
  const map = new Map<string, ConversationDelta>();
  for (const r of rows) {
    const key = conversationKey(r.channel, r.conversationId);
    let d = map.get(key);
    if (!d) {
      d = { channel: r.channel, conversationId: r.conversationId, firstAt: r.ts, lastAt: r.ts, userMessages: 0, urgencyRank: 0, intents: [] };
      map.set(key, d);
    }
    if (r.ts < d.firstAt) d.firstAt = r.ts;
    if (r.ts > d.lastAt) d.lastAt = r.ts;
    if (r.role === 'user' && r.type === 'message') d.userMessages += 1;
    if (r.urgency) d.urgencyRank = Math.max(d.urgencyRank, urgencyRank(r.urgency));
    if (r.intent && !d.intents.includes(r.intent)) d.intents.push(r.intent);
  }
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
}

export function urgencyFromRank(rank: number): Urgency {
  return URGENCY_LEVELS[Math.max(0, Math.min(URGENCY_LEVELS.length - 1, rank))] ?? 'none';
}

/**
 * Fills in what a transcript entry needs (id, timestamp) without changing the caller's object.
 * The stored time is always the server's: a client's `timestamp` (a year 2999 would pin a
 * conversation to the top of the staff list and keep it from being purged; 1970 would get
 * it purged at once) is kept only as `clientTimestamp`.
 */
export function withTranscriptDefaults(activity: Partial<Activity>, role: 'user' | 'bot', id?: string): Partial<Activity> {
  const copy: Partial<Activity> & { clientTimestamp?: string } = { ...activity, from: { ...(activity.from ?? { id: role }), role } as Activity['from'] };
  if (!copy.id) copy.id = id || `g_${randomUUID()}`;
  const claimed: unknown = activity.timestamp;
  if (role === 'user' && claimed) {
    const iso = claimed instanceof Date ? (Number.isNaN(claimed.getTime()) ? '' : claimed.toISOString()) : String(claimed).slice(0, 64);
    if (iso) copy.clientTimestamp = iso;
  }
  copy.timestamp = new Date();
  return copy;
}

// ---------- cursors ----------

export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parts) && parts.length === arity && parts.every((p) => typeof p === 'string' || typeof p === 'number')) return parts as (string | number)[];
  } catch {
    // fall through
  }
  throw new RangeError('Invalid cursor');
}

/**
 * A listConversations page from up to `limit + 1` rows (newest first); the cursor is
 * the last item's (lastAt, channel, id), which the backends' queries continue below.
 */
export function conversationPage<Row>(rows: Row[], limit: number, toSummary: (row: Row) => ConversationSummary): ConversationPage {
  const items = rows.slice(0, limit).map(toSummary);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.lastAt, last.channel, last.id]) : null };
}

// ---------- filters ----------

export interface NormalizedFilter {
  urgencyRank?: number;
  minUrgencyRank?: number;
  /** Only conversations with at least one user message. */
  withUserMessages?: boolean;
  intent?: string;
  status?: string;
  from?: string;
  to?: string;
  /** LIKE pattern (with `\` as escape), already wrapped in %…%. */
  like?: string;
  channel?: string;
}

function isoOrThrow(value: string, name: string, endOfDay: boolean): string {
  const v = value.trim();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const d = new Date(dateOnly ? `${v}T${endOfDay ? '23:59:59.999' : '00:00:00.000'}Z` : v);
  if (Number.isNaN(d.getTime())) throw new RangeError(`Invalid ${name} date: ${JSON.stringify(value)}`);
  return d.toISOString();
}

export function normalizeFilter(filter: ConversationFilter = {}): NormalizedFilter {
  const out: NormalizedFilter = {};
  if (filter.urgency !== undefined) {
    if (!isUrgency(filter.urgency)) throw new RangeError(`Invalid urgency: ${JSON.stringify(filter.urgency)}`);
    out.urgencyRank = urgencyRank(filter.urgency);
  }
  if (filter.minUrgency !== undefined) {
    if (!isUrgency(filter.minUrgency)) throw new RangeError(`Invalid minUrgency: ${JSON.stringify(filter.minUrgency)}`);
    out.minUrgencyRank = urgencyRank(filter.minUrgency);
  }
  if (filter.withUserMessages) out.withUserMessages = true;
  if (filter.status !== undefined) {
    if (!REVIEW_STATUSES.includes(filter.status)) throw new RangeError(`Invalid status: ${JSON.stringify(filter.status)}`);
    out.status = filter.status;
  }
  if (filter.intent) out.intent = filter.intent;
  if (filter.channel) out.channel = filter.channel;
  if (filter.from) out.from = isoOrThrow(filter.from, 'from', false);
  if (filter.to) out.to = isoOrThrow(filter.to, 'to', true);
  if (filter.q && filter.q.trim()) out.like = `%${filter.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return out;
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIST_LIMIT;
  return Math.max(1, Math.min(MAX_LIST_LIMIT, Math.floor(limit)));
}

export function validatePatch(patch: ReviewPatch): ReviewPatch {
  const out: ReviewPatch = {};
  if (patch.status !== undefined) {
    if (!REVIEW_STATUSES.includes(patch.status)) throw new RangeError(`Invalid review status: ${JSON.stringify(patch.status)}`);
    out.status = patch.status;
  }
  if (patch.tags !== undefined) {
    if (!Array.isArray(patch.tags) || !patch.tags.every((t) => typeof t === 'string')) throw new RangeError('tags must be a list of strings');
    out.tags = [...new Set(patch.tags.map((t) => t.trim()).filter((t) => t.length > 0))];
  }
  if (patch.note !== undefined) {
    if (typeof patch.note !== 'string') throw new RangeError('note must be a string');
    out.note = patch.note;
  }
  return out;
}

export function validateDays(days: number): number {
  if (typeof days !== 'number' || !Number.isFinite(days) || days < 0) throw new RangeError(`days must be a non-negative number, got ${String(days)}`);
  return days;
}

export function storedActivity(seq: number, ts: Date | string, role: string, type: string, text: string | null, intent: string | null, urgency: string | null, json: string): StoredActivity {
  return {
    seq,
    at: (ts instanceof Date ? ts : new Date(ts)).toISOString(),
    role: role === 'bot' ? 'bot' : 'user',
    type,
    text,
    intent,
    urgency: isUrgency(urgency) ? urgency : null,
    activity: JSON.parse(json) as Partial<Activity>,
  };
}

/** Activity as botbuilder's TranscriptStore returns it (timestamp as a Date). */
export function transcriptActivity(json: string): Activity {
  const a = JSON.parse(json) as Activity;
  if (a.timestamp) a.timestamp = new Date(a.timestamp);
  return a;
}

/** Row mapping shared by the SQLite and PostgreSQL teaching stores. */
import { URGENCY_LEVELS, type Urgency } from '../../domain/urgency';
import type { ActivityTableRow } from '../../storage/transcriptCommon';
import type { Label, LabelKind, TranscriptRow } from './teachingTypes';

export const TRANSCRIPT_COLUMNS = 'seq, channel_id, conversation_id, activity_id, reply_to_id, ts, role, type, text, intent, urgency, json';

/** A transcript row as the teaching stores read it (every column of `activities`). */
export type TranscriptDbRow<Time> = ActivityTableRow<number | string, Time>;

const asRecord = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

export function transcriptRow<Time>(r: TranscriptDbRow<Time>, iso: (t: Time) => string): TranscriptRow {
  let activity: Record<string, unknown> = {};
  try {
    activity = asRecord(JSON.parse(r.json)) ?? {};
  } catch {
    activity = {};
  }
  return {
    seq: Number(r.seq),
    channel: r.channel_id,
    conversationId: r.conversation_id,
    activityId: r.activity_id,
    replyToId: r.reply_to_id,
    at: iso(r.ts),
    role: r.role === 'bot' ? 'bot' : 'user',
    type: r.type,
    text: r.text,
    intent: r.intent,
    urgency: (URGENCY_LEVELS as readonly string[]).includes(r.urgency ?? '') ? (r.urgency as Urgency) : null,
    name: typeof activity.name === 'string' ? activity.name : null,
    value: activity.value,
    channelData: asRecord(activity.channelData),
  };
}

export const LABEL_COLUMNS = 'id, channel, conversation_id, activity_seq, text, kind, intent, condition, level, actor_id, actor_name, created_at';

export interface LabelDbRow<Time> {
  id: number | string;
  channel: string;
  conversation_id: string;
  activity_seq: number | string;
  text: string;
  kind: string;
  intent: string | null;
  condition: string | null;
  level: string | null;
  actor_id: string;
  actor_name: string;
  created_at: Time;
}

export function labelFromRow<Time>(r: LabelDbRow<Time>, iso: (t: Time) => string): Label {
  return {
    id: Number(r.id),
    channel: r.channel,
    conversationId: r.conversation_id,
    seq: Number(r.activity_seq),
    text: r.text,
    kind: r.kind as LabelKind,
    intent: r.intent,
    condition: r.condition,
    level: r.level === 'urgent' || r.level === 'emergency' ? r.level : null,
    actor: { id: r.actor_id, name: r.actor_name },
    createdAt: iso(r.created_at),
  };
}

export const refKey = (channel: string, id: string): string => `${channel}:${id}`;

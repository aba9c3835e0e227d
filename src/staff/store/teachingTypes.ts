/**
 * Teaching data for the staff console: reviewers' labels on patient messages
 * (table staff_labels, migration 110) and the read-only views over the transcript
 * that the "needs teaching" inbox and the weekly stats are computed from.
 */
import type { EscalationLevel } from '../../domain/urgency';
import type { StoredActivity } from '../../storage/types';

export const LABEL_KINDS = ['intent', 'out_of_scope', 'missed_red_flag'] as const;
export type LabelKind = (typeof LABEL_KINDS)[number];

export interface NewLabel {
  channel: string;
  conversationId: string;
  /** The labelled user message (its transcript seq). */
  seq: number;
  /** The message as stored (already redacted). */
  text: string;
  kind: LabelKind;
  intent: string | null;
  condition: string | null;
  level: EscalationLevel | null;
  actor: { id: string; name: string };
  createdAt: string;
}

export interface Label extends NewLabel {
  id: number;
}

/** One transcript row, as the inbox and the stats read it: a stored activity's columns, with its conversation and a few fields of its JSON. */
export interface TranscriptRow extends Omit<StoredActivity, 'activity'> {
  channel: string;
  conversationId: string;
  activityId: string | null;
  replyToId: string | null;
  /** Event name (`feedback`, …) for event activities. */
  name: string | null;
  value: unknown;
  channelData: Record<string, unknown> | null;
}

export interface TeachingStore {
  addLabel(label: NewLabel): Promise<Label>;
  /** Labels of one conversation, oldest first. */
  labelsFor(ref: { channel: string; id: string }): Promise<Label[]>;
  /** Every label, oldest first (for the export). */
  allLabels(): Promise<Label[]>;
  /** Messages and events since `since`, oldest first, at most `limit`. */
  transcriptSince(since: string, limit: number): Promise<TranscriptRow[]>;
  /** One stored activity of a conversation by seq. */
  activity(ref: { channel: string; id: string }, seq: number): Promise<TranscriptRow | null>;
  /** The first user message text of each conversation (keyed `<channel>:<id>`). */
  firstUserTexts(refs: { channel: string; id: string }[]): Promise<Map<string, string>>;
  /** When each conversation was first marked reviewed (from the audit log). */
  firstReviews(since: string): Promise<{ channel: string; id: string; at: string }[]>;
}

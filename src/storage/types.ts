/**
 * What the rest of the bot needs from a storage backend. `DATABASE_URL` picks one:
 * memory (tests), SQLite (default) or PostgreSQL (scale-out).
 *
 * Everything here is backend-neutral: the staff console, the purge CLI and the bot
 * only ever talk to a `Database`.
 */
import type { Activity, Storage, TranscriptStore } from 'botbuilder';
import type BetterSqlite3 from 'better-sqlite3';
import type { Pool } from 'pg';
import type { Urgency } from '../domain/urgency';

export type ReviewStatus = 'new' | 'reviewed' | 'follow_up';
export const REVIEW_STATUSES: readonly ReviewStatus[] = ['new', 'reviewed', 'follow_up'];

/** Identifies one conversation: Bot Framework conversation ids are only unique per channel. */
export interface ConversationRef {
  channel: string;
  id: string;
}

/** One row per conversation: what the staff console filters and sorts on. */
export interface ConversationSummary extends ConversationRef {
  /** ISO 8601 (UTC) time of the first logged activity. */
  firstAt: string;
  /** ISO 8601 (UTC) time of the latest logged activity. */
  lastAt: string;
  /** Number of user messages. */
  turnCount: number;
  /** Highest urgency any bot reply carried (`channelData.urgency`); never lowered. */
  maxUrgency: Urgency;
  /** Distinct non-null `channelData.intent` values of bot replies, first seen first. */
  intents: string[];
  reviewStatus: ReviewStatus;
  tags: string[];
  note: string;
}

/** Filters for `listConversations`; all optional and combined with AND. */
export interface ConversationFilter {
  /** Exact highest urgency reached. */
  urgency?: Urgency;
  /** Highest urgency reached is at least this ("urgent" also matches emergencies). */
  minUrgency?: Urgency;
  /** Only conversations with at least one user message (opening the widget alone makes none). */
  withUserMessages?: boolean;
  /** Conversations in which a bot reply carried this intent. */
  intent?: string;
  /** Review status. */
  status?: ReviewStatus;
  /** ISO date/time: last activity at or after. */
  from?: string;
  /** ISO date/time: last activity at or before (a bare date `YYYY-MM-DD` includes that whole day). */
  to?: string;
  /** Case-insensitive substring search in the (already redacted) message text. */
  q?: string;
  channel?: string;
}

export interface ConversationPage {
  /** Newest (by last activity) first. */
  items: ConversationSummary[];
  /** Opaque; pass to the next `listConversations` call. `null` on the last page. */
  nextCursor: string | null;
}

/** A logged activity as the console shows it. `activity` is the stored (redacted) JSON. */
export interface StoredActivity {
  seq: number;
  at: string;
  role: 'user' | 'bot';
  type: string;
  text: string | null;
  intent: string | null;
  urgency: Urgency | null;
  activity: Partial<Activity>;
}

export interface ReviewPatch {
  status?: ReviewStatus;
  tags?: string[];
  note?: string;
}

export interface ConversationStats {
  days: number;
  /** ISO time the window starts at (now - days). */
  since: string;
  /** Conversations with at least one activity that day (UTC), oldest day first; days without activity are omitted. */
  conversationsPerDay: { date: string; count: number }[];
  /** User messages whose bot reply carried this urgency (triage escalations). */
  escalations: { urgent: number; emergency: number };
  /** Answered user messages per intent (bot replies' `channelData.intent`, excluding `none`), most first, top 10. */
  topIntents: { intent: string; count: number }[];
  userMessages: number;
  /** User messages whose bot reply carried `channelData.intent === 'none'` (fallback / clarify). */
  fallbackMessages: number;
  /** fallbackMessages / userMessages (0 when there are no user messages). */
  fallbackRate: number;
}

export interface PurgeResult {
  /** Whole conversations removed (last activity older than the cutoff). */
  conversations: number;
  /** Activities removed (incl. old activities of conversations that are still active). */
  activities: number;
  /** Bot state items (conversation/user state) not written since the cutoff. */
  stateItems: number;
}

export interface LogActivitiesOptions {
  /**
   * Replaying an outbox batch: the store records this id in the same transaction and
   * skips a batch whose id it already has, so a batch is never stored twice.
   */
  batchId?: string;
}

/** A TranscriptStore that also accepts a whole turn at once (all of it or none, in one transaction). */
export interface BatchTranscriptStore extends TranscriptStore {
  logActivities(activities: Partial<Activity>[], options?: LogActivitiesOptions): Promise<void>;
}

/** Queries over the conversation index (the staff console uses these). */
export interface ConversationIndex {
  listConversations(filter?: ConversationFilter, cursor?: string | null, limit?: number): Promise<ConversationPage>;
  getConversation(ref: ConversationRef): Promise<ConversationSummary | null>;
  /** All stored activities of a conversation, oldest first. Empty if unknown. */
  getConversationActivities(ref: ConversationRef): Promise<StoredActivity[]>;
  /** Returns the updated summary, or null if the conversation does not exist. */
  updateReview(ref: ConversationRef, patch: ReviewPatch): Promise<ConversationSummary | null>;
  /**
   * Deletes everything kept about the conversation: its activities, its index row (with
   * the review status, tags and note), its bot state and its outbox entries. True if any existed.
   */
  deleteConversation(ref: ConversationRef): Promise<boolean>;
  stats(days: number): Promise<ConversationStats>;
  /** Retention: deletes transcripts (and idle bot state) older than `days` days. */
  purgeOlderThan(days: number): Promise<PurgeResult>;
}

/**
 * Low-level access for features that keep their own tables (staff accounts, audit…).
 * Their migrations go in `src/storage/migrations/<sqlite|postgres>/NNN_name.sql` (100+).
 * `memory:` uses an in-memory SQLite database for everything except bot state.
 */
export type RawHandle =
  | { kind: 'sqlite'; db: BetterSqlite3.Database }
  | { kind: 'postgres'; pool: Pool; schema: string | null };

export interface Database extends ConversationIndex {
  readonly kind: 'memory' | 'sqlite' | 'postgres';
  /** botbuilder Storage (conversation and user state), with eTag concurrency. */
  readonly storage: Storage;
  /** botbuilder TranscriptStore; text is redacted before it is written. */
  readonly transcripts: BatchTranscriptStore;
  /** SQL handle for other modules' own tables. */
  readonly raw: RawHandle;
  /** Throws if the backend cannot be reached. Used by /readyz. */
  ping(): Promise<void>;
  /** Writes waiting in the outbox for the database (0 when all is stored). */
  outboxPending(): number;
  /** Replays the outbox now (also done on a timer); never throws. */
  replayOutbox(): Promise<void>;
  /** Runs `listener` after a conversation was deleted (e.g. to drop in-memory copies of it). */
  onConversationDeleted(listener: (ref: ConversationRef) => void): void;
  close(): Promise<void>;
}

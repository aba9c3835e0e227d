/**
 * What the rest of the bot needs from a storage backend. `DATABASE_URL` picks one:
 * memory (tests), SQLite (default) or PostgreSQL (scale-out).
 */
import type { Storage, TranscriptStore } from 'botbuilder';
import type { Urgency } from '../turnMeta';

export type ReviewStatus = 'new' | 'reviewed' | 'follow_up';

/** One row per conversation: what the staff console filters and sorts on. */
export interface ConversationSummary {
  id: string;
  channel: string;
  firstAt: string;
  lastAt: string;
  turnCount: number;
  maxUrgency: Urgency;
  intents: string[];
  reviewStatus: ReviewStatus;
  tags: string[];
  note: string;
}

export interface Database {
  readonly kind: 'memory' | 'sqlite' | 'postgres';
  /** botbuilder Storage (conversation and user state), with eTag concurrency. */
  readonly storage: Storage;
  /** botbuilder TranscriptStore; text is redacted before it is written. */
  readonly transcripts: TranscriptStore;
  /** Throws if the backend cannot be reached. Used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

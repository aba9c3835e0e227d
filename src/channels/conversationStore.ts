/**
 * In-memory activity lists for the self-hosted Direct Line endpoint.
 *
 * Per instance: a conversation lives in the memory of the process that started it, so
 * behind a load balancer every request of a conversation must reach the same instance
 * (sticky sessions), and a restart ends open conversations. For scale-out use Azure
 * Bot Service's Direct Line (DIRECT_LINE_SECRET) instead.
 *
 * Bounded: each conversation keeps its last `maxActivities` activities; a conversation
 * idle for `idleMs` is dropped; at most `maxConversations` are kept (the longest idle go first).
 */
import type { Activity } from 'botbuilder';

export interface StoredConversation {
  id: string;
  userId: string;
  /** Activities with their sequence number; the watermark is the last sequence number read. */
  activities: { seq: number; activity: Partial<Activity> }[];
  nextSeq: number;
  lastUsed: number;
  /** Turns of one conversation run one at a time, in the order they arrived. */
  queue: Promise<void>;
}

export interface ConversationStoreOptions {
  maxActivities?: number;
  idleMs?: number;
  maxConversations?: number;
  now?: () => number;
}

export class ConversationStore {
  private readonly conversations = new Map<string, StoredConversation>();
  readonly maxActivities: number;
  readonly idleMs: number;
  readonly maxConversations: number;
  private readonly now: () => number;
  private sweeper?: NodeJS.Timeout;

  constructor(options: ConversationStoreOptions = {}) {
    this.maxActivities = options.maxActivities ?? 500;
    this.idleMs = options.idleMs ?? 60 * 60 * 1000;
    this.maxConversations = options.maxConversations ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Sweep idle conversations every minute (the timer does not keep the process alive). */
  startSweeping(intervalMs = 60_000): void {
    this.sweeper ??= setInterval(() => this.sweep(), intervalMs);
    this.sweeper.unref();
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  get size(): number {
    return this.conversations.size;
  }

  get(id: string): StoredConversation | undefined {
    const conv = this.conversations.get(id);
    if (!conv) return undefined;
    if (this.now() - conv.lastUsed > this.idleMs) {
      this.conversations.delete(id);
      return undefined;
    }
    conv.lastUsed = this.now();
    return conv;
  }

  /** The conversation, created if new. `created` tells whether it was new. */
  open(id: string, userId: string): { conversation: StoredConversation; created: boolean } {
    const existing = this.get(id);
    if (existing) return { conversation: existing, created: false };
    if (this.conversations.size >= this.maxConversations) this.evictOldest();
    const conversation: StoredConversation = { id, userId, activities: [], nextSeq: 1, lastUsed: this.now(), queue: Promise.resolve() };
    this.conversations.set(id, conversation);
    return { conversation, created: true };
  }

  /** Append an activity; gives it an id if it has none. Returns the id. */
  append(conv: StoredConversation, activity: Partial<Activity>): string {
    const seq = conv.nextSeq++;
    activity.id ??= `${conv.id}|${String(seq).padStart(7, '0')}`;
    conv.activities.push({ seq, activity });
    if (conv.activities.length > this.maxActivities) conv.activities.splice(0, conv.activities.length - this.maxActivities);
    conv.lastUsed = this.now();
    return activity.id;
  }

  /** Activities after the watermark (all kept ones without a watermark) and the new watermark. */
  since(conv: StoredConversation, watermark: number | undefined): { activities: Partial<Activity>[]; watermark: string } {
    const after = watermark ?? 0;
    const activities = conv.activities.filter((a) => a.seq > after).map((a) => a.activity);
    return { activities, watermark: String(conv.nextSeq - 1) };
  }

  find(conv: StoredConversation, activityId: string): { seq: number; activity: Partial<Activity> } | undefined {
    return conv.activities.find((a) => a.activity.id === activityId);
  }

  remove(conv: StoredConversation, activityId: string): void {
    const i = conv.activities.findIndex((a) => a.activity.id === activityId);
    if (i >= 0) conv.activities.splice(i, 1);
  }

  /** Forgets a conversation and its activities (it was deleted). */
  delete(id: string): boolean {
    return this.conversations.delete(id);
  }

  sweep(): void {
    const now = this.now();
    for (const [id, conv] of this.conversations) if (now - conv.lastUsed > this.idleMs) this.conversations.delete(id);
  }

  private evictOldest(): void {
    let oldest: StoredConversation | undefined;
    for (const conv of this.conversations.values()) if (!oldest || conv.lastUsed < oldest.lastUsed) oldest = conv;
    if (oldest) this.conversations.delete(oldest.id);
  }
}

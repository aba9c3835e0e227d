/**
 * In-memory activity lists for the self-hosted Direct Line endpoint.
 *
 * Per instance: a conversation lives in the memory of the process that started it, so
 * behind a load balancer every request of a conversation must reach the same instance
 * (sticky sessions), and a restart ends open conversations. For scale-out use Azure
 * Bot Service's Direct Line (DIRECT_LINE_SECRET) instead.
 *
 * Bounded by count AND by bytes: each conversation keeps its last `maxActivities`
 * activities and at most `maxConversationBytes` of them (its oldest go first); all
 * conversations together hold at most `maxTotalBytes` (the longest idle conversations
 * are evicted first); a conversation idle for `idleMs` is dropped; at most
 * `maxConversations` are kept. One poll answers at most `maxPollBytes` of activities
 * (always at least one); its watermark then points at the last one sent, so the next
 * poll continues from there.
 */
import type { Activity } from 'botbuilder';
import { measureJson } from '../web/request/jsonLimits';

export interface StoredConversation {
  id: string;
  userId: string;
  /** Activities with their sequence number; the watermark is the last sequence number read. */
  activities: { seq: number; activity: Partial<Activity>; bytes: number; held?: boolean }[];
  /** Approximate JSON size of the activities kept. */
  bytes: number;
  nextSeq: number;
  lastUsed: number;
  /** Turns of one conversation run one at a time, in the order they arrived. */
  queue: Promise<void>;
}

export interface ConversationStoreOptions {
  maxActivities?: number;
  idleMs?: number;
  maxConversations?: number;
  /** All conversations together (default 64 MB). */
  maxTotalBytes?: number;
  /** One conversation (default 1 MB). */
  maxConversationBytes?: number;
  /** One poll answer (default 512 KB). */
  maxPollBytes?: number;
  now?: () => number;
}

/** Serialised size of an activity (an estimate if it cannot be serialised). */
function sizeOf(activity: Partial<Activity>): number {
  try {
    return Buffer.byteLength(JSON.stringify(activity) ?? '');
  } catch {
    return measureJson(activity).bytes;
  }
}

export class ConversationStore {
  private readonly conversations = new Map<string, StoredConversation>();
  readonly maxActivities: number;
  readonly idleMs: number;
  readonly maxConversations: number;
  readonly maxTotalBytes: number;
  readonly maxConversationBytes: number;
  readonly maxPollBytes: number;
  private totalBytes = 0;
  private readonly now: () => number;
  private sweeper?: NodeJS.Timeout;

  constructor(options: ConversationStoreOptions = {}) {
    this.maxActivities = options.maxActivities ?? 500;
    this.idleMs = options.idleMs ?? 60 * 60 * 1000;
    this.maxConversations = options.maxConversations ?? 10_000;
    this.maxTotalBytes = options.maxTotalBytes ?? 64 * 1024 * 1024;
    this.maxConversationBytes = options.maxConversationBytes ?? 1024 * 1024;
    this.maxPollBytes = options.maxPollBytes ?? 512 * 1024;
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

  /** Approximate bytes held by all conversations. */
  get bytes(): number {
    return this.totalBytes;
  }

  get(id: string): StoredConversation | undefined {
    const conv = this.conversations.get(id);
    if (!conv) return undefined;
    if (this.now() - conv.lastUsed > this.idleMs) {
      this.drop(conv);
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
    const conversation: StoredConversation = { id, userId, activities: [], bytes: 0, nextSeq: 1, lastUsed: this.now(), queue: Promise.resolve() };
    this.conversations.set(id, conversation);
    return { conversation, created: true };
  }

  /**
   * Append an activity; gives it an id if it has none. Returns the id. A `held` activity
   * is not delivered (nor anything after it) until `release`: a reply waits until its
   * turn has been committed to the database.
   */
  append(conv: StoredConversation, activity: Partial<Activity>, held = false): string {
    const seq = conv.nextSeq++;
    activity.id ??= `${conv.id}|${String(seq).padStart(7, '0')}`;
    const bytes = sizeOf(activity);
    conv.activities.push(held ? { seq, activity, bytes, held } : { seq, activity, bytes });
    conv.bytes += bytes;
    if (this.conversations.get(conv.id) === conv) this.totalBytes += bytes;
    while (conv.activities.length > 1 && (conv.activities.length > this.maxActivities || conv.bytes > this.maxConversationBytes)) {
      const dropped = conv.activities.shift()!;
      this.shrink(conv, dropped.bytes);
    }
    conv.lastUsed = this.now();
    while (this.totalBytes > this.maxTotalBytes && this.conversations.size > 1) this.evictOldest(conv);
    return activity.id;
  }

  /** Makes the conversation's held activities deliverable. */
  release(conv: StoredConversation): void {
    for (const a of conv.activities) if (a.held) delete a.held;
  }

  /** Activities after the watermark (all kept ones without a watermark, up to the first held one) and the new watermark. */
  since(conv: StoredConversation, watermark: number | undefined): { activities: Partial<Activity>[]; watermark: string } {
    const after = watermark ?? 0;
    const activities: Partial<Activity>[] = [];
    let bytes = 0;
    let last = after;
    for (const a of conv.activities) {
      if (a.seq <= after) continue;
      if (a.held) return { activities, watermark: String(last) };
      if (activities.length > 0 && bytes + a.bytes > this.maxPollBytes) {
        // The rest on the next poll, from this watermark.
        return { activities, watermark: String(last) };
      }
      activities.push(a.activity);
      bytes += a.bytes;
      last = a.seq;
    }
    return { activities, watermark: String(conv.nextSeq - 1) };
  }

  find(conv: StoredConversation, activityId: string): { seq: number; activity: Partial<Activity> } | undefined {
    return conv.activities.find((a) => a.activity.id === activityId);
  }

  remove(conv: StoredConversation, activityId: string): void {
    const i = conv.activities.findIndex((a) => a.activity.id === activityId);
    const [removed] = i >= 0 ? conv.activities.splice(i, 1) : [];
    if (removed) this.shrink(conv, removed.bytes);
  }

  /** Forgets a conversation and its activities (it was deleted). */
  delete(id: string): boolean {
    return this.conversations.delete(id);
  }

  sweep(): void {
    const now = this.now();
    for (const conv of [...this.conversations.values()]) if (now - conv.lastUsed > this.idleMs) this.drop(conv);
  }

  private shrink(conv: StoredConversation, bytes: number): void {
    conv.bytes -= bytes;
    if (this.conversations.get(conv.id) === conv) this.totalBytes -= bytes;
  }

  private drop(conv: StoredConversation): void {
    if (this.conversations.get(conv.id) !== conv) return;
    this.conversations.delete(conv.id);
    this.totalBytes -= conv.bytes;
  }

  /** Evicts the longest idle conversation (never `keep`). */
  private evictOldest(keep?: StoredConversation): void {
    let oldest: StoredConversation | undefined;
    for (const conv of this.conversations.values()) if (conv !== keep && (!oldest || conv.lastUsed < oldest.lastUsed)) oldest = conv;
    if (oldest) this.drop(oldest);
  }
}

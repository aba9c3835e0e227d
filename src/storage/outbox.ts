/**
 * The outbox: writes the database refused (or did not answer in time), kept in order
 * until they can be replayed.
 *
 * An append-only JSON-lines file on local disk, every append fsync'd before the caller
 * goes on:
 *
 *   {"op":"add","entry":{…}}    a transcript batch or a bot state write
 *   {"op":"done","id":"…"}      that entry reached the database
 *
 * On start-up the file is read back: entries without a `done` line are pending (a torn
 * last line from a crash is ignored). When nothing is pending the file is truncated, and
 * removed on a clean shutdown.
 * Deleting a conversation rewrites the file without that conversation's entries (temp
 * file, fsync, rename), so deleted data does not linger on disk. Without a file
 * (`memory:` databases, tests) the outbox lives in memory only.
 *
 * Transcript entries are redacted before they are written here, like in the database.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Activity } from 'botbuilder';
import { z } from 'zod';

export interface TranscriptEntry {
  kind: 'transcript';
  /** Unique; the database records it when the batch is replayed, so a replay is applied once. */
  id: string;
  at: string;
  /** `${channel}/conversations/${id}` of every conversation in the batch. */
  conversations: string[];
  /** Redacted activities, in the order they were logged. */
  activities: Partial<Activity>[];
}

export interface StateEntry {
  kind: 'state';
  id: string;
  at: string;
  key: string;
  /** The item without its eTag. */
  data: Record<string, unknown>;
  /** The condition the write was made with: '*' (unconditional), a stored eTag, or ABSENT_ETAG. */
  baseEtag: string;
  /** The eTag readers see until the entry is replayed (`outbox:<id>`). */
  etag: string;
}

export type OutboxEntry = TranscriptEntry | StateEntry;

const entrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('transcript'), id: z.string().min(1), at: z.string(), conversations: z.array(z.string()), activities: z.array(z.record(z.string(), z.unknown())) }),
  z.object({ kind: z.literal('state'), id: z.string().min(1), at: z.string(), key: z.string(), data: z.record(z.string(), z.unknown()), baseEtag: z.string(), etag: z.string() }),
]);
const lineSchema = z.discriminatedUnion('op', [z.object({ op: z.literal('add'), entry: entrySchema }), z.object({ op: z.literal('done'), id: z.string() })]);

/** Identifies a conversation in outbox entries (also the start of its bot state key). */
export function conversationStateKey(channel: string, conversationId: string): string {
  return `${channel}/conversations/${conversationId}`;
}

/**
 * The bot state keys of a conversation: botbuilder's ConversationState stores it under
 * `${channel}/conversations/${id}/${namespace}`, and this bot uses the default (empty)
 * namespace; the key without the slash is included for state written by other means.
 * Exact keys, not a prefix: conversation ids may contain "/".
 */
export function conversationStateKeys(channel: string, conversationId: string): string[] {
  const base = conversationStateKey(channel, conversationId);
  return [`${base}/`, base];
}

export class Outbox {
  private readonly pending = new Map<string, OutboxEntry>();
  private fd: number | null = null;

  /** `file`: the JSON-lines file (created with its folder if missing), or null for memory only. */
  constructor(readonly file: string | null) {
    if (!file) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (fs.existsSync(file)) this.load(fs.readFileSync(file, 'utf8'));
    this.fd = fs.openSync(file, 'a', 0o600);
    if (this.pending.size === 0) this.truncate();
  }

  private load(text: string): void {
    for (const raw of text.split('\n')) {
      if (!raw.trim()) continue;
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        continue; // a line torn by a crash mid-append: that write was never acknowledged
      }
      const line = lineSchema.safeParse(json);
      if (!line.success) throw new Error(`outbox ${this.file}: unreadable line (${line.error.issues[0]?.message ?? 'invalid'})`);
      if (line.data.op === 'add') this.pending.set(line.data.entry.id, line.data.entry as OutboxEntry);
      else this.pending.delete(line.data.id);
    }
  }

  private append(line: object): void {
    if (this.fd === null) return;
    fs.writeSync(this.fd, `${JSON.stringify(line)}\n`);
    fs.fsyncSync(this.fd);
  }

  private truncate(): void {
    if (this.fd === null) return;
    fs.ftruncateSync(this.fd, 0);
    fs.fsyncSync(this.fd);
  }

  /** Keeps the entry (on disk before this returns). */
  add(entry: OutboxEntry): void {
    this.append({ op: 'add', entry });
    this.pending.set(entry.id, entry);
  }

  /** The entry reached the database (or was dropped on purpose). */
  done(id: string): void {
    if (!this.pending.delete(id)) return;
    if (this.pending.size === 0) this.truncate();
    else this.append({ op: 'done', id });
  }

  get size(): number {
    return this.pending.size;
  }

  /** The oldest pending entry. */
  first(): OutboxEntry | undefined {
    return this.pending.values().next().value;
  }

  /** Pending entries, oldest first. */
  entries(): OutboxEntry[] {
    return [...this.pending.values()];
  }

  /** The newest pending write of a state key, if any. */
  latestState(key: string): StateEntry | undefined {
    let found: StateEntry | undefined;
    for (const e of this.pending.values()) if (e.kind === 'state' && e.key === key) found = e;
    return found;
  }

  hasTranscriptFor(conversationKeys: string[]): boolean {
    for (const e of this.pending.values()) if (e.kind === 'transcript' && e.conversations.some((c) => conversationKeys.includes(c))) return true;
    return false;
  }

  /**
   * Removes every entry of a conversation (its transcript batches and its state) and
   * rewrites the file without them. Transcript batches that also hold other
   * conversations keep those conversations' activities. Returns how many entries changed.
   */
  removeConversation(channel: string, conversationId: string): number {
    const key = conversationStateKey(channel, conversationId);
    const stateKeys = conversationStateKeys(channel, conversationId);
    let changed = 0;
    for (const [id, e] of [...this.pending]) {
      if (e.kind === 'state' && stateKeys.includes(e.key)) {
        this.pending.delete(id);
        changed++;
      } else if (e.kind === 'transcript' && e.conversations.includes(key)) {
        const rest = e.activities.filter((a) => !(a.channelId === channel && a.conversation?.id === conversationId));
        if (rest.length) this.pending.set(id, { ...e, conversations: e.conversations.filter((c) => c !== key), activities: rest });
        else this.pending.delete(id);
        changed++;
      }
    }
    if (changed) this.rewrite();
    return changed;
  }

  private rewrite(): void {
    if (!this.file || this.fd === null) return;
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      for (const entry of this.pending.values()) fs.writeSync(fd, `${JSON.stringify({ op: 'add', entry })}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.closeSync(this.fd);
    fs.renameSync(tmp, this.file);
    this.fd = fs.openSync(this.file, 'a', 0o600);
    // The rename itself is durable only once the folder is synced.
    const dir = fs.openSync(path.dirname(this.file), 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  }

  /** Closes the file; an empty outbox leaves no file behind. */
  close(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
    if (this.file && this.pending.size === 0) fs.rmSync(this.file, { force: true });
  }
}

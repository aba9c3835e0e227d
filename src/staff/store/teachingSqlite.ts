/** TeachingStore on SQLite (also `memory:` databases). Tables: migrations 001, 100, 110. */
import type BetterSqlite3 from 'better-sqlite3';
import { LABEL_COLUMNS, labelFromRow, refKey, TRANSCRIPT_COLUMNS, transcriptRow, type LabelDbRow, type TranscriptDbRow } from './teachingRows';
import type { Label, NewLabel, TeachingStore, TranscriptRow } from './teachingTypes';

const same = (t: string): string => t;

export class SqliteTeachingStore implements TeachingStore {
  constructor(private readonly db: BetterSqlite3.Database) {}

  async addLabel(l: NewLabel): Promise<Label> {
    const info = this.db.prepare(
      'INSERT INTO staff_labels (channel, conversation_id, activity_seq, text, kind, intent, condition, level, actor_id, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(l.channel, l.conversationId, l.seq, l.text, l.kind, l.intent, l.condition, l.level, l.actor.id, l.actor.name, l.createdAt);
    return { ...l, id: Number(info.lastInsertRowid) };
  }

  async labelsFor(ref: { channel: string; id: string }): Promise<Label[]> {
    const rows = this.db.prepare(`SELECT ${LABEL_COLUMNS} FROM staff_labels WHERE channel = ? AND conversation_id = ? ORDER BY id`).all(ref.channel, ref.id) as LabelDbRow<string>[];
    return rows.map((r) => labelFromRow(r, same));
  }

  async allLabels(): Promise<Label[]> {
    const rows = this.db.prepare(`SELECT ${LABEL_COLUMNS} FROM staff_labels ORDER BY id`).all() as LabelDbRow<string>[];
    return rows.map((r) => labelFromRow(r, same));
  }

  async transcriptSince(since: string, limit: number): Promise<TranscriptRow[]> {
    const rows = this.db.prepare(
      `SELECT ${TRANSCRIPT_COLUMNS} FROM activities WHERE ts >= ? AND type IN ('message', 'event') ORDER BY seq LIMIT ?`,
    ).all(since, limit) as TranscriptDbRow<string>[];
    return rows.map((r) => transcriptRow(r, same));
  }

  async activity(ref: { channel: string; id: string }, seq: number): Promise<TranscriptRow | null> {
    const row = this.db.prepare(`SELECT ${TRANSCRIPT_COLUMNS} FROM activities WHERE channel_id = ? AND conversation_id = ? AND seq = ?`)
      .get(ref.channel, ref.id, seq) as TranscriptDbRow<string> | undefined;
    return row ? transcriptRow(row, same) : null;
  }

  async firstUserTexts(refs: { channel: string; id: string }[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const stmt = this.db.prepare<[string, string], { text: string }>(
      "SELECT text FROM activities WHERE channel_id = ? AND conversation_id = ? AND role = 'user' AND type = 'message' AND text IS NOT NULL AND text <> '' ORDER BY seq LIMIT 1",
    );
    for (const r of refs) {
      const row = stmt.get(r.channel, r.id);
      if (row) out.set(refKey(r.channel, r.id), row.text);
    }
    return out;
  }

  async firstReviews(since: string): Promise<{ channel: string; id: string; at: string }[]> {
    return (this.db.prepare(
      `SELECT channel, conversation_id AS id, min(at) AS at FROM staff_audit
        WHERE action = 'conversation.review' AND at >= ? AND channel IS NOT NULL AND json_extract(detail, '$.status') = 'reviewed'
        GROUP BY channel, conversation_id`,
    ).all(since) as { channel: string; id: string; at: string }[]);
  }
}

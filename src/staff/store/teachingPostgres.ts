/** TeachingStore on PostgreSQL, in the database's schema if it has one. Tables: migrations 001, 100, 110. */
import type { Pool } from 'pg';
import { firstRow } from './sqlRows';
import { LABEL_COLUMNS, labelFromRow, refKey, TRANSCRIPT_COLUMNS, transcriptRow, type LabelDbRow, type TranscriptDbRow } from './teachingRows';
import type { Label, NewLabel, TeachingStore, TranscriptRow } from './teachingTypes';

const iso = (t: Date): string => t.toISOString();

export class PostgresTeachingStore implements TeachingStore {
  private readonly t: { labels: string; activities: string; audit: string };

  constructor(private readonly pool: Pool, schema: string | null = null) {
    const q = (name: string) => (schema ? `"${schema.replace(/"/g, '""')}".${name}` : name);
    this.t = { labels: q('staff_labels'), activities: q('activities'), audit: q('staff_audit') };
  }

  async addLabel(l: NewLabel): Promise<Label> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO ${this.t.labels} (channel, conversation_id, activity_seq, text, kind, intent, condition, level, actor_id, actor_name, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [l.channel, l.conversationId, l.seq, l.text, l.kind, l.intent, l.condition, l.level, l.actor.id, l.actor.name, l.createdAt],
    );
    return { ...l, id: Number(firstRow(rows, 'the new label').id) };
  }

  async labelsFor(ref: { channel: string; id: string }): Promise<Label[]> {
    const { rows } = await this.pool.query<LabelDbRow<Date>>(`SELECT ${LABEL_COLUMNS} FROM ${this.t.labels} WHERE channel = $1 AND conversation_id = $2 ORDER BY id`, [ref.channel, ref.id]);
    return rows.map((r) => labelFromRow(r, iso));
  }

  async allLabels(): Promise<Label[]> {
    const { rows } = await this.pool.query<LabelDbRow<Date>>(`SELECT ${LABEL_COLUMNS} FROM ${this.t.labels} ORDER BY id`);
    return rows.map((r) => labelFromRow(r, iso));
  }

  async transcriptSince(since: string, limit: number): Promise<TranscriptRow[]> {
    const { rows } = await this.pool.query<TranscriptDbRow<Date>>(
      `SELECT ${TRANSCRIPT_COLUMNS} FROM ${this.t.activities} WHERE ts >= $1 AND type IN ('message', 'event') ORDER BY seq LIMIT $2`,
      [since, limit],
    );
    return rows.map((r) => transcriptRow(r, iso));
  }

  async activity(ref: { channel: string; id: string }, seq: number): Promise<TranscriptRow | null> {
    const { rows } = await this.pool.query<TranscriptDbRow<Date>>(
      `SELECT ${TRANSCRIPT_COLUMNS} FROM ${this.t.activities} WHERE channel_id = $1 AND conversation_id = $2 AND seq = $3`,
      [ref.channel, ref.id, seq],
    );
    return rows[0] ? transcriptRow(rows[0], iso) : null;
  }

  async firstUserTexts(refs: { channel: string; id: string }[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (refs.length === 0) return out;
    const { rows } = await this.pool.query<{ channel_id: string; conversation_id: string; text: string }>(
      `SELECT DISTINCT ON (a.channel_id, a.conversation_id) a.channel_id, a.conversation_id, a.text
         FROM ${this.t.activities} a JOIN unnest($1::text[], $2::text[]) AS r(channel, id) ON a.channel_id = r.channel AND a.conversation_id = r.id
        WHERE a.role = 'user' AND a.type = 'message' AND a.text IS NOT NULL AND a.text <> ''
        ORDER BY a.channel_id, a.conversation_id, a.seq`,
      [refs.map((r) => r.channel), refs.map((r) => r.id)],
    );
    for (const r of rows) out.set(refKey(r.channel_id, r.conversation_id), r.text);
    return out;
  }

  async firstReviews(since: string): Promise<{ channel: string; id: string; at: string }[]> {
    const { rows } = await this.pool.query<{ channel: string; id: string; at: Date }>(
      `SELECT channel, conversation_id AS id, min(at) AS at FROM ${this.t.audit}
        WHERE action = 'conversation.review' AND at >= $1 AND channel IS NOT NULL AND detail->>'status' = 'reviewed'
        GROUP BY channel, conversation_id`,
      [since],
    );
    return rows.map((r) => ({ channel: r.channel, id: r.id, at: iso(r.at) }));
  }
}

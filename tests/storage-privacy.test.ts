/**
 * After logging a conversation full of personal details, none of them may appear
 * anywhere in the database: not in the SQLite file or its WAL, not in any PostgreSQL table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestAdapter, type Activity } from 'botbuilder';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase, type Database } from '../src/storage';
import { prepareActivity } from '../src/storage/transcriptCommon';
import { TranscriptMiddleware } from '../src/turn/2-transcript';
import { createPgSchema, describePg, type PgSchema } from './helpers/postgres';

const SECRETS = ['jane.doe@example.com', '07700 900123', '07700900123', '+1 555 123 4567', '555-123-4567', '12/03/1985', '221B Baker Street', 'SW1A 1AA', 'Jane Doe'];
const MESSAGES = [
  'hi my name is Jane Doe, email jane.doe@example.com',
  'call me on 07700 900123 or 07700900123 or +1 555 123 4567',
  'born 12/03/1985, I live at 221B Baker Street, SW1A 1AA',
];

async function chat(db: Database, conv: string): Promise<void> {
  const adapter = new TestAdapter(
    async (ctx) => {
      // A careless bot that echoes the user (the transcript must still be clean).
      await ctx.sendActivity({ text: `You said: ${ctx.activity.text}`, channelData: { intent: 'echo', urgency: 'none' } });
    },
    { channelId: 'test', conversation: { id: conv } as Activity['conversation'], from: { id: 'u1', name: 'Jane Doe', role: 'user' } as Activity['from'] },
  );
  adapter.use(new TranscriptMiddleware(db.transcripts));
  for (const text of MESSAGES) await adapter.processActivity({ type: 'message', text, value: { contact: '555-123-4567' } });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-privacy-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

it('SQLite: no raw personal details in the database file or WAL', async () => {
  const file = path.join(tmp, 'privacy.db');
  const db = await openDatabase(`sqlite:${file}`);
  await chat(db, 'privacy');
  // Redacted text is there (so the check below is meaningful)…
  const acts = await db.getConversationActivities({ channel: 'test', id: 'privacy' });
  expect(acts).toHaveLength(6);
  expect(acts[0]!.text).toBe('hi my name is [name], email [email]');
  // …check the files while the database is open (WAL holds the data), then after a checkpoint.
  const scan = (): string => ['', '-wal', '-shm'].map((s) => (fs.existsSync(file + s) ? fs.readFileSync(file + s).toString('latin1') : '')).join('\n');
  const before = scan();
  expect(before).toContain('[email]');
  for (const secret of SECRETS) expect(before, secret).not.toContain(secret);
  if (db.raw.kind === 'sqlite') db.raw.db.pragma('wal_checkpoint(TRUNCATE)');
  await db.close();
  const after = scan();
  for (const secret of SECRETS) expect(after, secret).not.toContain(secret);
  // And a full dump, in case of compression-free but split storage: every text cell.
  const raw = new BetterSqlite3(file, { readonly: true });
  const dump = JSON.stringify(raw.prepare('SELECT * FROM activities').all()) + JSON.stringify(raw.prepare('SELECT * FROM conversations').all());
  raw.close();
  for (const secret of SECRETS) expect(dump, secret).not.toContain(secret);
});

describePg('PostgreSQL: no raw personal details in any table', () => {
  let pg: PgSchema;
  let db: Database;
  beforeAll(async () => {
    pg = await createPgSchema('calfbot_privacy');
    db = await openDatabase(pg.url);
  });
  afterAll(async () => {
    await db?.close();
    await pg?.drop();
  });
  it('is clean', async () => {
    await chat(db, 'privacy');
    const tables = await pg.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [pg.schema]);
    expect(tables.map((t) => t.table_name)).toContain('activities');
    let all = '';
    for (const { table_name } of tables) all += JSON.stringify(await pg.query(`SELECT * FROM "${table_name}"`));
    expect(all).toContain('[phone]');
    for (const secret of SECRETS) expect(all, secret).not.toContain(secret);
  });
});

it('redacts a copy: the activity the bot goes on using keeps its text, names and card untouched', () => {
  const activity: Partial<Activity> = {
    type: 'message',
    channelId: 'test',
    id: 'a1',
    conversation: { id: 'c1', name: 'Jane Doe' } as Activity['conversation'],
    from: { id: 'u1', name: 'Jane Doe', role: 'user' } as Activity['from'],
    recipient: { id: 'bot', name: 'calfbot' } as Activity['recipient'],
    text: 'email jane.doe@example.com',
    value: { contact: '555-123-4567', nested: [{ phone: '07700 900123' }] },
    channelData: { note: 'my name is Jane Doe' },
    timestamp: new Date('2026-01-02T03:04:05Z'),
  };
  const before = structuredClone(activity);
  const row = prepareActivity(activity);
  expect(activity).toEqual(before);
  for (const secret of SECRETS) expect(row.json, secret).not.toContain(secret);
  expect(JSON.parse(row.json)).toMatchObject({ text: 'email [email]', timestamp: '2026-01-02T03:04:05.000Z', from: { id: 'u1', role: 'user' } });
});

it('drops the names of members added or removed (on Teams, real people\'s names) from transcript rows', () => {
  const row = prepareActivity({
    type: 'conversationUpdate',
    channelId: 'msteams',
    conversation: { id: 'c2' } as Activity['conversation'],
    recipient: { id: 'bot', name: 'calfbot' } as Activity['recipient'],
    membersAdded: [{ id: 'u7', name: 'Jane Doe' }, { id: 'bot', name: 'calfbot' }] as Activity['membersAdded'],
    membersRemoved: [{ id: 'u8', name: 'John Smith' }] as Activity['membersRemoved'],
    timestamp: new Date('2026-01-02T03:04:05Z'),
  });
  expect(row.json).not.toContain('Jane Doe');
  expect(row.json).not.toContain('John Smith');
  expect(JSON.parse(row.json)).toMatchObject({ membersAdded: [{ id: 'u7' }, { id: 'bot' }], membersRemoved: [{ id: 'u8' }] });
});

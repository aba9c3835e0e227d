import { afterEach, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Activity } from 'botbuilder';
import { main as purge } from '../src/cli/purge';
import { openDatabase } from '../src/storage';
import { createStaffStore } from '../src/staff/store';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calfbot-purge-'));
afterEach(() => vi.restoreAllMocks());

function activity(conversation: string, text: string, daysAgo: number): Partial<Activity> {
  return {
    type: 'message', id: `${conversation}-${daysAgo}`, text, channelId: 'test',
    timestamp: new Date(Date.now() - daysAgo * 86_400_000),
    conversation: { id: conversation, isGroup: false, conversationType: 'personal', name: '' },
    from: { id: 'u1', name: '', role: 'user' }, recipient: { id: 'bot', name: '', role: 'bot' },
  };
}

describe('npm run purge', () => {
  it('deletes conversations older than the retention period, says how many, and records it in the audit log', async () => {
    const url = `sqlite:${path.join(dir, 'purge.db')}`;
    const db = await openDatabase(url);
    await db.transcripts.logActivity(activity('old', 'my calf hurts', 120) as Activity);
    await db.transcripts.logActivity(activity('recent', 'my calf hurts', 2) as Activity);
    await db.close();

    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await purge(['--days', '90'], { DATABASE_URL: url })).toBe(0);
    expect(out.mock.calls[0]?.[0]).toMatch(/^Purged 1 conversation\(s\), 1 activity/);

    const after = await openDatabase(url);
    expect(await after.getConversation({ channel: 'test', id: 'old' })).toBeNull();
    expect(await after.getConversation({ channel: 'test', id: 'recent' })).not.toBeNull();
    const audit = await createStaffStore(after).listAudit({ action: 'transcripts.purge' }, null, 10);
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]?.detail).toMatchObject({ days: 90, conversations: 1 });
    await after.close();
  });

  it('rejects a bad --days with a clear message', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await purge(['--days', 'soon'], { DATABASE_URL: 'memory:' })).toBe(1);
    expect(err.mock.calls[0]?.[0]).toBe('--days must be a whole number of at least 1, got "soon"');
  });
});

/**
 * Per-turn storage cost, in-process: state read + write and the transcript of one turn
 * (user message + two bot replies), as one batch or three single writes. Best of 5 trials.
 *
 *   node --import tsx scripts/bench/storage-micro.ts [turns]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Activity } from 'botbuilder';
import { openDatabase } from '../../src/storage';

const turns = Number(process.argv[2] ?? 300);

function turnActivities(conv: string, i: number): Partial<Activity>[] {
  const base = { channelId: 'webchat', serviceUrl: 'http://127.0.0.1:9', conversation: { id: conv } as Activity['conversation'] };
  const card = { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text: 'Common causes of calf pain '.repeat(10), wrap: true }] } };
  return [
    { ...base, type: 'message', id: `in${i}`, text: 'my calf hurts when walking and goes away with rest', from: { id: 'u1', name: 'Patient', role: 'user' }, recipient: { id: 'bot', name: 'calfbot' }, timestamp: new Date() },
    { ...base, type: 'message', replyToId: `in${i}`, text: 'Pain when walking that eases with rest can have several causes. '.repeat(4), attachments: [card], from: { id: 'bot', name: 'calfbot', role: 'bot' }, recipient: { id: 'u1', name: 'Patient' }, channelData: { intent: 'pain_walking', urgency: 'none' }, timestamp: new Date() },
    { ...base, type: 'message', replyToId: `in${i}`, text: 'Would you like to try a self-test?', suggestedActions: { to: [], actions: [{ type: 'imBack', title: 'Yes', value: 'yes' }, { type: 'imBack', title: 'No', value: 'no' }] }, from: { id: 'bot', name: 'calfbot', role: 'bot' }, recipient: { id: 'u1', name: 'Patient' }, channelData: { intent: 'pain_walking', urgency: 'none' }, timestamp: new Date() },
  ];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'calfbot-micro-'));
  const db = await openDatabase(`sqlite:${join(dir, 'm.db')}`, {});
  const state = { DialogState: { dialogStack: [{ id: 'main', state: { options: {}, values: { instanceId: 'x'.repeat(36) }, stepIndex: 1 } }] }, welcomed: true };
  const trial = async (label: string, fn: (conv: string, i: number) => Promise<void>): Promise<number> => {
    let best = Infinity;
    for (let t = 0; t < 5; t++) {
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      for (let i = 0; i < turns; i++) await fn(`${label}-${t}-${i % 50}`, i);
      const wall = (performance.now() - w0) / turns;
      const cpu = process.cpuUsage(c0);
      best = Math.min(best, wall);
      void cpu;
    }
    process.stdout.write(`${label.padEnd(40)} ${(best * 1000).toFixed(0).padStart(6)} µs/turn (wall, best of 5)\n`);
    return best;
  };
  await trial('state read + write', async (conv) => {
    const key = `webchat/conversations/${conv}/`;
    const items = await db.storage.read([key]);
    await db.storage.write({ [key]: { ...(items[key] ?? state), eTag: '*' } });
  });
  await trial('transcript: one batch (3 activities)', async (conv, i) => {
    await db.transcripts.logActivities(turnActivities(conv, i));
  });
  await trial('transcript: 3 single writes', async (conv, i) => {
    for (const a of turnActivities(conv, i)) await db.transcripts.logActivity(a as Activity);
  });
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}

void main();

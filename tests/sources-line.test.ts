/**
 * Patients see where an answer comes from: each answer with sources ends with a short
 * "From: <document title> — <section>" line (text and card alike), never a file name,
 * and SHOW_SOURCES=false turns it off.
 */
import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../src/config';
import { content, harness } from './dialogsHarness';

const nlu = { 'what causes calf pain': 'causes_overview', 'knee to wall test': 'selftest_ankle_wall' };
const FILE_NAME = /\d{3}_[0-9a-f]{16}/;

function cardTexts(r: Partial<Activity>): string[] {
  const card = r.attachments?.[0]?.content as { body?: { items?: { text?: string }[] }[] } | undefined;
  return (card?.body ?? []).flatMap((c) => (c.items ?? []).map((i) => i.text ?? ''));
}

describe('sources patients can see', () => {
  it('ends an answer with its document title and section, never a file name', async () => {
    const h = harness(nlu);
    const [answer] = await h.turn('what causes calf pain');
    const last = answer!.text!.split('\n\n').at(-1)!;
    expect(last).toBe('From: Calf pain: causes and treatment — Common Causes of Calf Muscle Pain, Other Causes of Calf Pain');
    expect(answer!.text).not.toMatch(FILE_NAME);
  });

  it('puts the line at the end of an answer card as well as in its text fallback', async () => {
    const h = harness(nlu);
    const replies = await h.turn('knee to wall test');
    const card = replies.find((r) => r.attachments?.length && (r.channelData as { sources?: unknown }).sources)!;
    expect(cardTexts(card).at(-1)).toMatch(/^From: .+ — .+/);
    expect(card.text!.split('\n\n').at(-1)).toBe(cardTexts(card).at(-1));
    expect(JSON.stringify(card.attachments)).not.toMatch(FILE_NAME);
  });

  it('every sourced answer in the content gets a title (no file name can reach a patient)', async () => {
    const titles = content.sourceTitles!;
    for (const d of content.dialogs) for (const n of d.nodes) {
      if ('sources' in n) for (const s of n.sources ?? []) expect(titles.has(s.document), `${d.id}/${n.id}`).toBe(true);
    }
  });

  it('SHOW_SOURCES=false leaves the line out', async () => {
    const h = harness(nlu, { config: testConfig({ SHOW_SOURCES: 'false' }) });
    const [answer] = await h.turn('what causes calf pain');
    expect(answer!.text).not.toContain('From:');
    expect((answer!.channelData as { sources?: unknown[] }).sources?.length).toBeGreaterThan(0);
  });
});

/**
 * What a patient sees first and when they step outside calf pain: a short welcome
 * (three topics and "More topics", the safety line kept), a helpful answer to
 * out-of-scope messages (what the bot covers, that the clinic treats other problems,
 * booking and a call), short small talk.
 */
import { describe, expect, it } from 'vitest';
import { f, harness, node, texts } from './dialogsHarness';

const nlu = { 'my shoulder hurts': { none: 0.9 }, "what's the weather like": { none: 0.9 }, 'xqzv blorp': { none: 0.9 }, hi: 'greeting', thanks: 'thanks', bye: 'goodbye' };
const buttons = (r: Awaited<ReturnType<ReturnType<typeof harness>['turn']>>) => r.at(-1)!.suggestedActions?.actions.map((a) => a.title) ?? [];

describe('welcome', () => {
  it('has at most three topics plus "More topics", and keeps the safety line', async () => {
    const r = await harness(nlu, { channelId: 'webchat' }).welcome();
    const shown = buttons(r);
    expect(shown.at(-1)).toBe('More topics');
    expect(shown.length).toBeLessThanOrEqual(4);
    expect(texts(r)).toMatch(/not a diagnosis/);
    expect(texts(r)).toMatch(/swollen, red or warm/);
    expect(texts(r)).toContain(f('emergency number {emergencyNumber}'));
  });

  it('"More topics" lists the rest', async () => {
    const h = harness(nlu, { channelId: 'webchat' });
    await h.welcome();
    const more = await h.turn('More topics');
    expect(texts(more)).toContain(node('more_topics', 'pick', 'choice').prompt);
    expect(buttons(more)).toEqual(expect.arrayContaining(['Home programme for tight calves', 'Warning signs']));
  });
});

describe('out of scope', () => {
  it.each(['my shoulder hurts', "what's the weather like", 'xqzv blorp'])('"%s": what the bot covers, other problems treated, booking or a call', async (said) => {
    const r = await harness(nlu, { channelId: 'webchat' }).turn(said);
    const text = texts(r);
    expect(text).toMatch(/only cover calf pain/);
    expect(text).toContain(f('{clinicName} treats many other problems too'));
    expect(text).toContain(f('{clinicPhone}'));
    expect(buttons(r)).toContain('Book or talk to us');
  });
});

describe('small talk stays short', () => {
  it.each([['hi', 'greeting'], ['thanks', 'thanks'], ['bye', 'goodbye']])('"%s" gets its %s answer, under 200 characters', async (said, intent) => {
    const r = await harness(nlu).turn(said);
    expect((r[0]!.channelData as { intent?: string }).intent).toBe(intent);
    expect(r[0]!.text!.split('\n\n')[0]!.length).toBeLessThan(200);
  });
});

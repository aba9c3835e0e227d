/**
 * Conversation behaviour: welcome, help / cancel / start over anywhere, a new
 * question mid-tree answered with an offer to go back, prompt answers never taken
 * for new questions, the fallback menu and "Did you mean…?", numbers and words.
 */
import { createRequire } from 'node:module';
import type { Activity } from 'botbuilder';
import { describe, expect, it, vi } from 'vitest';
import { content, dialogTitle, f, harness, node, texts } from './dialogsHarness';

const nlu = {
  'knee to wall test': 'selftest_ankle_wall',
  'heel raise test': 'selftest_calf_raise',
  'what causes calf pain': 'causes_overview',
  'what is a bakers cyst': 'bakers_cyst',
  'how long will it take to heal': 'recovery_time',
  // Prompt answers that a recognizer might also score highly:
  '12': 'calf_strain',
  yes: 'thanks',
  'behind the knee': 'knee_calf_pain',
  'middle of the calf': 'calf_strain',
  // Ambiguous: two intents close together.
  'pain behind my knee and calf': { bakers_cyst: 0.46, knee_calf_pain: 0.42, dvt: 0.2 },
};
const sys = content.system;
const meta = (r: Partial<Activity>): { intent?: string | null } => (r.channelData ?? {}) as never;
const wallLeft = node('selftest_ankle_wall', 'left', 'choice').prompt;
const resumePrompt = f(sys.resume.prompt, { title: dialogTitle('selftest_ankle_wall') });

describe('welcome', () => {
  it('says what the bot is and is not, then shows the menu; a number picks from it', async () => {
    const h = harness(nlu);
    const r = await h.welcome();
    expect(r).toHaveLength(1);
    for (const p of sys.welcome) expect(texts(r)).toContain(f(p));
    expect(texts(r)).toContain('information, not a diagnosis');
    // A channel without buttons gets the menu as a numbered list in the text.
    const labels = sys.menu.items.map((id) => content.dialogs.find((d) => d.id === id)!.menu!);
    labels.forEach((label, i) => expect(texts(r)).toContain(`${i + 1}. ${label}`));
    expect(r[0]!.suggestedActions).toBeUndefined();
    expect(texts(await h.turn('1'))).toContain(node('causes_overview', 'overview', 'message').text[0]);
  });

  it('shows the menu as buttons, not also as a list, where the channel has buttons', async () => {
    const r = await harness(nlu, { channelId: 'webchat' }).welcome();
    const labels = sys.menu.items.map((id) => content.dialogs.find((d) => d.id === id)!.menu!);
    expect(r[0]!.suggestedActions?.actions.map((a) => a.title)).toEqual(labels);
    expect(texts(r)).not.toContain(`1. ${labels[0]}`);
  });
});

describe('help, cancel, start over', () => {
  it('help explains where we are and asks the same question again', async () => {
    const h = harness(nlu);
    await h.turn('knee to wall test');
    const r = await h.turn('help');
    expect(texts(r)).toContain(f(sys.help[0]!, { title: dialogTitle('selftest_ankle_wall') }));
    expect(texts(r)).toContain(wallLeft);
    expect(texts(await h.turn('1'))).toContain(node('selftest_ankle_wall', 'right', 'choice').prompt);
  });

  it('cancel offers the menu as buttons where the channel has them', async () => {
    const h = harness(nlu, { channelId: 'webchat' });
    await h.turn('heel raise test');
    const stopped = await h.turn('cancel');
    expect(stopped.at(-1)!.suggestedActions?.actions.map((a) => a.title)).toEqual(sys.menu.items.map((id) => content.dialogs.find((d) => d.id === id)!.menu));
  });

  it('cancel and stop end the tree', async () => {
    for (const word of ['cancel', 'stop']) {
      const h = harness(nlu);
      await h.turn('heel raise test');
      const stopped = await h.turn(word);
      expect(texts(stopped)).toContain(sys.cancelled[0]);
      // …and offers the main menu
      expect(texts(stopped)).toContain('More topics');
      // Nothing is waiting any more: a count is not taken as a heel-raise answer.
      expect(texts(await h.turn('knee to wall test'))).toContain(wallLeft);
    }
  });

  it('start over shows the menu; a number or the words pick an item', async () => {
    const h = harness(nlu);
    await h.turn('knee to wall test');
    const r = await h.turn('start over');
    expect(texts(r)).toContain(sys.menu.prompt);
    expect(texts(await h.turn('2'))).toContain(node('selftest', 'pick', 'choice').prompt);
    const h2 = harness(nlu);
    await h2.turn('knee to wall test');
    await h2.turn('start over');
    expect(texts(await h2.turn('warning signs'))).toContain(f(node('when_to_worry', 'emergency', 'message').text[0]!));
  });
});

describe('a new question in the middle of a tree', () => {
  it('is answered, then the bot offers to go back; yes resumes where the user was', async () => {
    const h = harness(nlu);
    await h.turn('knee to wall test');
    await h.turn('1');
    const r = await h.turn('what is a bakers cyst');
    expect(texts(r)).toContain(node('bakers_cyst', 'answer', 'message').text[0]);
    expect(meta(r[0]!).intent).toBe('bakers_cyst');
    expect(texts(r)).toContain(resumePrompt);
    expect(texts(r)).not.toContain(node('bakers_cyst', 'follow_up', 'choice').prompt);
    const back = await h.turn('yes');
    expect(texts(back)).toContain(node('selftest_ankle_wall', 'right', 'choice').prompt);
    expect(meta(back[0]!).intent).toBe('selftest_ankle_wall');
    await h.turn('1');
    expect(texts(await h.turn('no'))).toContain(node('selftest_ankle_wall', 'result_good', 'message').text[0]);
  });

  it('no ends the tree politely', async () => {
    const h = harness(nlu);
    await h.turn('knee to wall test');
    await h.turn('how long will it take to heal');
    expect(texts(await h.turn('no'))).toContain(f(sys.resume.declined, { title: dialogTitle('selftest_ankle_wall') }));
    expect(texts(await h.turn('heel raise test'))).toContain(node('selftest_calf_raise', 'left_count', 'number').prompt);
  });

  it('a second question at the "go back?" prompt is answered too, and the offer stands', async () => {
    const h = harness(nlu);
    await h.turn('knee to wall test');
    await h.turn('what is a bakers cyst');
    const r = await h.turn('how long will it take to heal');
    expect(texts(r)).toContain(node('recovery_time', 'answer', 'message').text[0]);
    expect(texts(r)).toContain(resumePrompt);
    expect(texts(await h.turn('yes'))).toContain(wallLeft);
  });

  it('a prompt recognises the message once per turn: the interruption check and the answer share it', async () => {
    const h = harness(nlu);
    await h.turn('heel raise test');
    // the number recognizer NumberPrompt uses (TreeNumberPrompt keeps its model: the same object)
    const fromDialogs = createRequire(require.resolve('botbuilder-dialogs'));
    const { NumberRecognizer } = fromDialogs('@microsoft/recognizers-text-number') as { NumberRecognizer: new (c: string) => { getNumberModel(c: string, f: boolean): { parse: () => unknown } } };
    const calls = vi.spyOn(new NumberRecognizer('en-us').getNumberModel('en-us', true), 'parse');
    try {
      expect(texts(await h.turn('12'))).toContain(node('selftest_calf_raise', 'right_count', 'number').prompt);
      expect(calls).toHaveBeenCalledTimes(1);
    } finally {
      calls.mockRestore();
    }
  });

  it('answers the active prompt recognises are never taken for new questions', async () => {
    const h = harness(nlu);
    await h.turn('heel raise test');
    expect(texts(await h.turn('12'))).toContain(node('selftest_calf_raise', 'right_count', 'number').prompt);
    const c = harness(nlu);
    await c.turn('what causes calf pain');
    expect(texts(await c.turn('behind the knee'))).toContain(node('causes_overview', 'how', 'choice').prompt);
    expect(texts(await c.turn('2'))).toContain(node('causes_overview', 'dvt_swelling', 'confirm').prompt);
    expect(texts(await c.turn('yes'))).not.toContain(resumePrompt);
    const m = harness(nlu);
    await m.turn('what causes calf pain');
    expect(texts(await m.turn('Middle of the calf'))).toContain(node('causes_overview', 'how', 'choice').prompt);
  });

  it('text neither the prompt nor the recognizer understands gets the retry prompt', async () => {
    const h = harness(nlu);
    await h.turn('heel raise test');
    expect(texts(await h.turn('blue'))).toContain(node('selftest_calf_raise', 'left_count', 'number').retry);
  });

  it('after an answer, its follow-up menu lets a new question through without an offer to go back', async () => {
    const h = harness(nlu);
    await h.turn('what is a bakers cyst');
    const r = await h.turn('knee to wall test');
    expect(texts(r)).toContain(wallLeft);
    expect(texts(r)).not.toContain(resumePrompt);
  });
});

describe('fallback and "Did you mean…?"', () => {
  it('unknown text: the friendly menu, intent none; the number or words pick an item', async () => {
    const h = harness(nlu);
    const r = await h.turn('what is the capital of France');
    expect(texts(r)).toContain(f(sys.fallback[0]!));
    expect(meta(r[0]!).intent).toBe('none');
    expect(texts(r)).toContain(f(sys.fallback[1]!));
    expect(texts(await h.turn(String(sys.menu.items.indexOf('book_appointment') + 1)))).toContain(f(node('book_appointment', 'contact', 'message').text[1]!));
    const h2 = harness(nlu);
    await h2.turn('asdf');
    expect(texts(await h2.turn('self-tests at home'))).toContain(node('selftest', 'pick', 'choice').prompt);
  });

  it('close intents: "Did you mean…?" with the top candidates, intent null', async () => {
    const h = harness(nlu);
    const r = await h.turn('pain behind my knee and calf');
    expect(texts(r)).toContain(sys.clarify);
    expect(texts(r)).toContain("Baker's cyst");
    expect(texts(r)).toContain('Calf and back, hip or knee pain');
    expect(meta(r[0]!).intent).toBeNull();
    const picked = await h.turn('2');
    expect(texts(picked)).toContain(node('kinetic_chain', 'knee', 'message').text[0]);
    expect(meta(picked[0]!).intent).toBe('knee_calf_pain');
  });

  it('a number inside a longer message is what it tells, not a pick: "stiff for two days" is not item 2', async () => {
    expect(sys.menu.items[1]).toBe('selftest');
    const pickSelfTest = node('selftest', 'pick', 'choice').prompt;
    const h = harness(nlu);
    await h.turn('what is the capital of France');
    expect(texts(await h.turn('my calf has been stiff for two days since I dug the garden, which stretch helps it?'))).not.toContain(pickSelfTest);
    // the number alone, or in a few words, still picks
    const h2 = harness(nlu);
    await h2.turn('what is the capital of France');
    expect(texts(await h2.turn('number 2 please'))).toContain(pickSelfTest);
  });

  it('a new question instead of picking from the menu is answered', async () => {
    const h = harness(nlu);
    await h.turn('gibberish');
    expect(texts(await h.turn('knee to wall test'))).toContain(wallLeft);
  });
});

describe('channels with buttons', () => {
  it('choices come as suggested actions on Web Chat', async () => {
    const h = harness(nlu, { channelId: 'webchat' });
    const r = await h.turn('knee to wall test');
    const prompt = r.at(-1)!;
    expect(prompt.suggestedActions?.actions.map((a) => a.title)).toEqual(node('selftest_ankle_wall', 'left', 'choice').choices.map((c) => c.title));
  });
});

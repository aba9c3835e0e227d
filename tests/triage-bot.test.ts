/**
 * Red-flag triage as a patient meets it: every message a whole turn through the bot
 * (src/cli/localBot.ts runs the pipeline `npm start` runs): the regression table, the
 * screening questions, the conversation after an escalation, and bypass attempts.
 */
import { readFileSync } from 'node:fs';
import type { Activity } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { createLocalBot, type LocalBot, type LocalConversation } from '../src/cli/localBot';
import { classifyLine } from '../src/cli/classify';
import { CalfRecognizer, loadRecognizer } from '../src/nlu/recognizer';
import { thresholdsFromEnv } from '../src/nlu/thresholds';
import { urgencyRank, type Urgency } from '../src/domain/urgency';

interface Case { text: string; expect: Urgency }
const table = parse(readFileSync('tests/data/triage-cases.yaml', 'utf8')) as { red_flags: Case[]; benign: Case[] };

const urgencyOf = (replies: Partial<Activity>[]): Urgency => replies
  .map((r) => ((r.channelData ?? {}) as { urgency?: Urgency }).urgency ?? 'none')
  .reduce<Urgency>((a, b) => (urgencyRank(b) > urgencyRank(a) ? b : a), 'none');
const intentsOf = (replies: Partial<Activity>[]): string[] => replies.flatMap((r) => ((r.channelData ?? {}) as { intent?: string | null }).intent ?? []);
const textOf = (replies: Partial<Activity>[]): string => replies.map((r) => r.text ?? '').join('\n');

let bot: LocalBot;
beforeAll(async () => {
  bot = await createLocalBot();
});
afterAll(async () => bot.close());

async function say(text: string, conversation?: LocalConversation): Promise<Partial<Activity>[]> {
  return (conversation ?? (await bot.conversation())).say(text);
}

/** The level of the replies to the last of `texts`, said in order in one new conversation. */
/** The bot's replies to the last of these messages, said in turn in one new conversation. */
async function repliesAfter(...texts: string[]): Promise<Partial<Activity>[]> {
  const c = await bot.conversation();
  let replies: Partial<Activity>[] = [];
  for (const text of texts) replies = await c.say(text);
  return replies;
}

/**
 * Says `opening`, checks that the first reply (no card) shows the first two patterns (the intro and the
 * first question) and that each "no" brings the next question in turn; returns the replies to the last "no".
 */
async function askedInTurn(opening: string, [intro, firstQuestion, ...questions]: RegExp[]): Promise<Partial<Activity>[]> {
  const c = await bot.conversation();
  const first = await c.say(opening);
  expect(urgencyOf(first)).toBe('none');
  expect(textOf(first)).not.toMatch(/Call 999/);
  for (const shown of [intro, firstQuestion]) expect(textOf(first)).toMatch(shown!);
  for (const next of questions) expect(textOf(await c.say('no'))).toMatch(next);
  return c.say('no');
}

async function levelAfter(...texts: string[]): Promise<Urgency> {
  return urgencyOf(await repliesAfter(...texts));
}

describe('the regression table, whole turns through the bot', () => {
  it('escalates every red flag at its level', async () => {
    const missed: string[] = [];
    for (const c of table.red_flags) {
      const got = urgencyOf(await say(c.text));
      if (got === 'none' || (c.expect === 'emergency' && got !== 'emergency')) missed.push(`${c.text} → ${got}`);
    }
    expect(missed).toEqual([]);
  });
  it('escalates at most 5% of the benign messages', async () => {
    const escalated: string[] = [];
    for (const c of table.benign) if (urgencyOf(await say(c.text)) !== 'none') escalated.push(c.text);
    expect(escalated.length / table.benign.length).toBeLessThanOrEqual(0.05);
  });
});

describe('ask when unsure: the screening questions', () => {
  it('asks before answering a leg that feels odd after a flight, and answers the question after three "no"s', async () => {
    const c = await bot.conversation();
    const first = await c.say('my calf feels a bit odd after the flight home');
    expect(textOf(first)).toMatch(/three quick safety questions/);
    expect(textOf(first)).toMatch(/swollen, warm or red/);
    expect(urgencyOf(await c.say('no'))).toBe('none');
    expect(urgencyOf(await c.say('no'))).toBe('none');
    const last = await c.say('no');
    expect(textOf(last)).toMatch(/Nothing you answered points to a clot/);
    expect(last.length).toBeGreaterThan(1);
    expect(urgencyOf(last)).toBe('none');
  });
  it('an answer is what it starts with: "nah, nothing swollen … fine by the next one" is a no, not the numbered "1. Yes"; "1" alone is a yes', async () => {
    const c = await bot.conversation();
    await c.say('my calf feels a bit odd after the flight home');
    const answered = await c.say('nah nothing swollen or red, both legs the same, just achy after runs and fine by the next one');
    expect(urgencyOf(answered)).toBe('none');
    expect(textOf(answered)).toMatch(/operation, a plaster cast/);
    expect(await levelAfter('my calf feels a bit odd after the flight home', '1')).toBe('urgent');
    // "I do…" that goes on to tell something else is no yes (dev131: it had raised the card for a pale, cold foot)
    expect(await levelAfter('my calf feels a bit odd after the flight home', 'i do get a bit achy in the calves after a long day on my feet, both legs')).toBe('none');
  });
  it('a "yes" to one leg swollen, warm or red escalates as urgent', async () => {
    expect(await levelAfter('my calf feels a bit odd after the flight home', 'yes')).toBe('urgent');
  });
  it('a "yes" to breathlessness, chest pain or a pale, cold foot is an emergency', async () => {
    expect(await levelAfter('my calf feels a bit odd after the flight home', 'no', 'no', 'yes')).toBe('emergency');
  });
  describe('breathlessness told with an everyday cause gets the breathing questions, not the 999 card', () => {
    const effort = 'after netball I am always breathless for a minute or two and my calf gets a bit tight, should I stretch before or after?';
    it('asks four breathing questions, then answers with the safety net after four "no"s', async () => {
      const last = await askedInTurn(effort, [/four quick questions about your breathing/, /short of breath now, while resting/, /chest pain/, /one calf or leg swollen/, /operation, a plaster cast/]);
      expect(textOf(last)).toMatch(/is not a warning sign on its own/);
      expect(textOf(last)).toMatch(/call 999 if it comes on at rest or suddenly/i);
      expect(urgencyOf(last)).toBe('none');
      expect(last.length).toBeGreaterThan(1); // and the question is answered
    });
    it.each([
      ['breathless now at rest', ['yes']],
      ['chest pain, blood or a faint', ['no', 'yes']],
      ['one leg swollen', ['no', 'no', 'yes']],
      ['a recent operation, cast or journey', ['no', 'no', 'no', 'yes']],
    ])('a "yes" to %s is an emergency', async (_, answers) => {
      const last = await repliesAfter(effort, ...answers);
      expect(urgencyOf(last)).toBe('emergency');
      expect(textOf(last)).toMatch(/Call 999 now/);
    });
    it('the same breathlessness with a swollen calf, or with no cause told, is still the 999 card', async () => {
      expect(urgencyOf(await say('after netball I am breathless and my left calf is swollen'))).toBe('emergency');
      expect(urgencyOf(await say('I have been breathless since yesterday and my calf aches'))).toBe('emergency');
    });
  });
  describe('a bad back told with the bladder, bowels or saddle area in words the rules cannot read gets the nerve questions', () => {
    const vague = "back's playing up and the loo has been weird since yesterday, any stretches?";
    it('asks three nerve questions, then answers with the safety net after three "no"s', async () => {
      const last = await askedInTurn(vague, [/three quick questions about your back and nerves/, /bottom, genitals or inner thighs/, /passing water or opening your bowels/, /both legs getting weak/]);
      expect(textOf(last)).toMatch(/Nothing you answered points to pressure on the nerves/);
      expect(urgencyOf(last)).toBe('none');
    });
    it.each([
      ['a numb or changed saddle area', ['yes']],
      ['the bladder or bowels changed', ['no', 'yes']],
      ['both legs failing', ['no', 'no', 'yes']],
    ])('a "yes" to %s is an emergency', async (_, answers) => {
      const last = await repliesAfter(vague, ...answers);
      expect(urgencyOf(last)).toBe('emergency');
      expect(textOf(last)).toMatch(/Call 999 now/);
    });
    it('not when the writer has said they are normal, nor for a cause of their own', async () => {
      for (const text of ['sciatica down my leg, waterworks and everything down below totally normal, any stretches?', 'bad back and my IBS has me dashing to the loo, any stretches?']) {
        const c = await bot.conversation();
        expect(textOf(await c.say(text))).not.toMatch(/questions about your back and nerves/);
      }
    });
  });
  it('a conversation saved inside a dialog that a later version renamed starts afresh, not an error on every message', async () => {
    const c = await bot.conversation();
    await c.say('my calf feels a bit odd after the flight home');
    // the screening's waterfall was called "screeningSteps" before round 18
    const key = `console/conversations/${c.id}/`;
    const saved = (await bot.db.storage.read([key]))[key] as Record<string, unknown>;
    const renamed = JSON.parse(JSON.stringify(saved).replace('"id":"screeningSet:clot"', '"id":"screeningSteps"')) as Record<string, unknown>;
    expect(JSON.stringify(renamed)).toContain('screeningSteps');
    await bot.db.storage.write({ [key]: { ...renamed, eTag: '*' } });
    // "no" ends the yes/no prompt, which hands back to the renamed waterfall
    const replies = await c.say('no');
    expect(textOf(replies)).not.toMatch(/Sorry, something went wrong/i);
    expect(intentsOf(await c.say('what stretches help a tight calf?'))).toContain('stretches');
    expect(urgencyOf(await c.say('my calf is swollen and hot now'))).toBe('urgent');
  });
  it('a new message instead of an answer goes on: the signs to act on, then the new message answered, never the questions again', async () => {
    const c = await bot.conversation();
    await c.say('my calf feels a bit odd after the flight home');
    const recognized = vi.spyOn(CalfRecognizer.prototype, 'classify');
    const moved = await c.say('what stretches help a tight calf?');
    // the screening's check for a new question and the answer to it share the turn's one recognition
    expect(recognized.mock.calls.filter(([t]) => t === 'what stretches help a tight calf?')).toHaveLength(1);
    recognized.mockRestore();
    expect(textOf(moved)).toMatch(/go on without those answers/);
    expect(textOf(moved)).toMatch(/swollen, warm or red.*call 999 now/s);
    expect(intentsOf(moved)).toContain('stretches');
    expect(textOf(moved)).not.toMatch(/Please answer yes or no/);
    expect(urgencyOf(moved)).toBe('none');
  });
  it('everyday answers are read: "I don\'t think so" and "not that I know of" are no, "a bit" is yes, "no idea" is neither', async () => {
    const c = await bot.conversation();
    await c.say('my calf feels a bit odd after the flight home');
    expect(textOf(await c.say("I don't think so"))).toMatch(/operation, a plaster cast/);
    expect(textOf(await c.say('not that I know of'))).toMatch(/short of breath or do you have chest pain/);
    expect(await levelAfter('my calf feels a bit odd after the flight home', 'a bit')).toBe('urgent');
    const d = await bot.conversation();
    await d.say('my calf feels a bit odd after the flight home');
    expect(textOf(await d.say('no idea'))).toMatch(/Please answer yes or no/);
  });
  it('a reply about the questions that is no answer ("hmm hard to say really") goes on to answer the message that raised them', async () => {
    const c = await bot.conversation();
    await c.say('my calf feels a bit odd after the flight home');
    const moved = await c.say('hmm hard to say really');
    expect(textOf(moved)).toMatch(/go on without those answers/);
    expect(textOf(moved)).not.toMatch(/outside what I can help with/);
  });
  it('a word or two that is no answer gets the question once more, and a second miss goes on', async () => {
    const c = await bot.conversation();
    await c.say('my calf feels a bit odd after the flight home');
    expect(textOf(await c.say('hmm?'))).toMatch(/Please answer yes or no\. Is one leg swollen/);
    const second = await c.say('what?');
    expect(textOf(second)).toMatch(/go on without those answers/);
    expect(textOf(await c.say('yes'))).not.toMatch(/Is one leg swollen/);
  });
  describe('"my legs are dead" alone gets the questions about feeling and strength, not the 999 card', () => {
    it('asks them, and goes on to the leg-day answer without escalating', async () => {
      const c = await bot.conversation();
      const first = await c.say('my legs are dead');
      expect(urgencyOf(first)).toBe('none');
      expect(textOf(first)).toMatch(/three quick questions about the feeling and strength in your legs/);
      expect(urgencyOf(await c.say('leg day yesterday, heavy squats and 4x20 calf raises'))).toBe('none');
    });
    it.each([
      ['a leg gone weak, numb or cold suddenly', ['yes']],
      ['the saddle area or the bladder', ['no', 'yes']],
      ['the face, an arm or speech', ['no', 'no', 'yes']],
    ])('a "yes" to %s is an emergency', async (_, answers) => {
      expect(urgencyOf(await repliesAfter('my legs are dead', ...answers))).toBe('emergency');
    });
    it('with anything more ("since this morning", "and I can\'t feel them") it is the 999 card at once', async () => {
      expect(urgencyOf(await say('my legs are dead and I cant feel them since this morning'))).toBe('emergency');
    });
  });
  describe('a knock, a pop or a pain the rules cannot place gets the questions about the pain, not the clot questions', () => {
    const knock = 'took a stud to the calf at training tonight';
    it('asks them, and answers the message when every answer is no', async () => {
      const c = await bot.conversation();
      const first = await c.say(knock);
      expect(urgencyOf(first)).toBe('none');
      expect(textOf(first)).toMatch(/four quick questions about the pain.*rock hard or tense/s);
      await c.say('no');
      await c.say('no');
      await c.say('no');
      const last = await c.say('no');
      expect(urgencyOf(last)).toBe('none');
      expect(textOf(last)).toMatch(/Nothing you answered points to a torn tendon, pressure in the muscle or a clot/);
    });
    it.each([
      ['a tense calf or pain out of proportion', ['yes'], 'emergency'],
      ['a sudden bad pain or a walk made hard', ['no', 'yes'], 'urgent'],
      ['a pop or no tiptoe', ['no', 'no', 'yes'], 'urgent'],
      ['one calf swollen, warm or red', ['no', 'no', 'no', 'yes'], 'urgent'],
    ])('a "yes" to %s is the %s card', async (_, answers, level) => {
      expect(urgencyOf(await repliesAfter(knock, ...answers))).toBe(level);
    });
  });
  it('a red flag typed instead of an answer interrupts the screening at once', async () => {
    const c = await bot.conversation();
    await c.say('my calf feels a bit odd after the flight home');
    expect(urgencyOf(await c.say('actually I am really short of breath now'))).toBe('emergency');
  });
});

describe('a question with no sign now gets the answer, not the card', () => {
  it.each([
    ['what is a DVT?', 'dvt'],
    ['what is peripheral artery disease?', 'vascular_disease'],
  ])('"%s" is answered with the warning signs and its safety questions, at no urgency', async (text, intent) => {
    const replies = await say(text);
    expect(urgencyOf(replies)).toBe('none');
    expect(intentsOf(replies)).toContain(intent);
    expect(textOf(replies)).toMatch(/A chat cannot check your leg/);
    expect(textOf(replies)).toMatch(/A few quick safety questions/);
  });
  it('a sign named with the question still escalates ("what is a DVT? my calf is swollen and hot")', async () => {
    expect(urgencyOf(await say('what is a DVT? my calf is swollen and hot'))).toBe('urgent');
  });
  it('"ok, thanks" is not a yes to "are you short of breath?": no emergency card', async () => {
    const c = await bot.conversation();
    expect(textOf(await c.say('what are the signs of a DVT?'))).toMatch(/short of breath/);
    const replies = await c.say('ok, good to know, thanks');
    expect(urgencyOf(replies)).toBe('none');
    expect(textOf(replies)).not.toMatch(/Call 999/);
    expect(urgencyOf(await c.say('yes'))).not.toBe('emergency'); // now the offer to go back, not the safety question
  });
  it('a plain "yes" to the same question is an emergency', async () => {
    const c = await bot.conversation();
    await c.say('what are the signs of a DVT?');
    expect(urgencyOf(await c.say('yes'))).toBe('emergency');
  });
  it('a few words the detector alone finds worrying get the screening questions, not the card', async () => {
    const replies = await say('just got off a 12 hour flight');
    expect(urgencyOf(replies)).toBe('none');
    expect(textOf(replies)).toMatch(/three quick safety questions/);
  });
});

describe('a red flag told in pieces, before any escalation', () => {
  it('"any stretch for a tight, achy calf?", then "since the op on tuesday", gets the urgent card at the second message', async () => {
    const c = await bot.conversation();
    expect(urgencyOf(await c.say('hi what stretch is best for a really tight calf? my right one feels achy and tight'))).toBe('none');
    const second = await c.say('since the op on tuesday');
    expect(urgencyOf(second)).toBe('urgent');
    expect(textOf(second)).toMatch(/Please get medical advice today/);
  });
  it('the same words in a new conversation are not escalated: only this conversation\'s signs count', async () => {
    expect(urgencyOf(await say('since the op on tuesday'))).toBe('none');
  });
  it('what the earlier message said about its signs counts too: a DVT treated in 2019, then both calves sore after hills, is no card', async () => {
    const c = await bot.conversation();
    expect(urgencyOf(await c.say('I had a DVT in 2019, treated, all clear.'))).toBe('none');
    expect(urgencyOf(await c.say('my calves are sore today, first hill session in ages, both the same on each side. can I still do heel raises?'))).toBe('none');
  });
  it('what the earlier message denied counts too: one calf stiff "no swelling", then a booking question, is no card; the swelling told next is', async () => {
    const c = await bot.conversation();
    // one calf, the swelling denied: the questions, not the card (possible_clot_screen/one_sided_pain_swelling_denied)
    expect(urgencyOf(await c.say('It is only my left calf, stiff and achy after two days in the garden. No swelling, same size as the other.'))).toBe('none');
    expect(urgencyOf(await c.say('Would you have a Wednesday morning appointment with Mr Patel?'))).toBe('none');
    expect(urgencyOf(await c.say('actually it is a bit swollen now I look'))).toBe('urgent');
  });
  it('a leg that "went dead" from sitting on it and came back is not carried as a sign: a numb lip next is no card; a leg that went dead for no reason, then a numb lip, is the 999 card', async () => {
    const satOnIt = 'Bit of a daft one - sat on my foot watching a film and my whole leg went dead like a bag of sand, then fizzed like mad. Back to completely normal now, walking fine.';
    expect(await levelAfter(satOnIt, "Also my lip's still numb from the dentist this morning, so if I sound weird when I ring you that's why lol")).toBe('none');
    expect(await levelAfter(satOnIt, 'Also my lip feels numb this morning, is that related?')).toBe('none');
    // the same dead leg with no posture to explain it: two parts of a stroke told in two messages
    expect(await levelAfter("my whole leg went dead like a bag of sand while I was watching a film, it's a bit better now", 'Also my lip feels numb this morning, is that related?')).toBe('emergency');
  });
  it('signs told three messages back no longer count', async () => {
    expect(await levelAfter('my right calf feels achy and tight', 'how long should I hold the wall stretch?', 'and how many times a day?', 'since the op on tuesday')).toBe('none');
  });
  it('after the pieces escalate, a later sign adds to all of them: the clot risk told first still counts', async () => {
    const c = await bot.conversation();
    await c.say('back from a long haul flight on sunday, any stretches for a tight calf?');
    expect(urgencyOf(await c.say('the left one is swollen and warm'))).toBe('urgent');
    // alone, the writer's usual breathlessness gets the breathing questions; beside the flight, the 999 card
    expect(urgencyOf(await say("I've always been a bit short of breath on the stairs"))).toBe('none');
    expect(urgencyOf(await c.say("I've always been a bit short of breath on the stairs"))).toBe('emergency');
  });
});

describe('after an escalation, the conversation stays safe', () => {
  async function escalated(text = 'my calf is swollen and red after a long flight'): Promise<LocalConversation> {
    const c = await bot.conversation();
    expect(urgencyOf(await c.say(text))).not.toBe('none');
    return c;
  }
  it.each([
    'can I still stretch it?', 'should I massage it to loosen it?', 'is foam rolling ok?', 'can I do the heel raise test now?', 'what exercises should I do?',
  ])('"%s" gets "not until you have been checked", urgent, with the call buttons, and no exercise answer', async (text) => {
    const c = await escalated();
    const replies = await c.say(text);
    expect(textOf(replies)).toMatch(/Not until you have been checked/);
    expect(urgencyOf(replies)).toBe('urgent');
    expect(intentsOf(replies).filter((i) => /stretch|foam|strength|selftest|knot/.test(i))).toEqual([]);
    expect(JSON.stringify(replies)).toContain('tel:111');
  });
  it('a question whose answer offers a home programme, then "yes": never the steps, but "not until you have been checked" with the call buttons', async () => {
    const c = await escalated();
    const asked = await c.say('why do calves get tight?');
    expect(textOf(asked)).toMatch(/Not until you have been checked/);
    expect(textOf(asked)).not.toMatch(/home programme/);
    expect(JSON.stringify(asked)).toContain('tel:111');
    const yes = await c.say('yes');
    expect(textOf(yes)).not.toMatch(/Step 1|Foam roll your calves/);
    expect(urgencyOf(yes)).toBe('urgent');
  });
  it('"I flew back yesterday, does that matter?" after the urgent card: "don\'t wait: get seen today", not a menu or the screening questions', async () => {
    const c = await escalated('my calf is swollen and red');
    const replies = await c.say('I flew back from Spain yesterday, does that matter?');
    expect(textOf(replies)).toMatch(/don't wait: get seen today/i);
    expect(textOf(replies)).not.toMatch(/safety questions|Did you mean/);
    expect(urgencyOf(replies)).toBe('urgent');
  });
  it('after a clinician\'s all-clear, what was said while escalated does not bring the card back', async () => {
    const c = await escalated('my calf is swollen and red');
    await c.say('I flew back from Spain yesterday, does that matter?');
    expect(textOf(await c.say('the doctor scanned it today and ruled out a clot'))).toMatch(/glad you have been checked/);
    const next = await c.say('my calf is still a bit sore, what should I do?');
    expect(urgencyOf(next)).toBe('none');
    expect(textOf(next)).not.toMatch(/Please get medical advice today|safety questions/);
  });
  it('the same question with no escalation open gets the answer and the offer', async () => {
    const c = await bot.conversation();
    expect(textOf(await c.say('why do calves get tight?'))).toMatch(/home programme/);
    expect(textOf(await c.say('yes'))).toMatch(/Step 1 of 6/);
  });
  it.each(["they can't see me until next Thursday", "I'll wait and see", 'probably nothing, I will leave it till monday', 'is it ok to go to work first and go after', "do I really need to go, it doesn't hurt that much", 'my calf feels a bit better now actually', 'the swelling has gone down a bit'])('"%s" gets "don\'t wait: get seen today"', async (text) => {
    const c = await escalated();
    const replies = await c.say(text);
    expect(textOf(replies)).toMatch(/don't wait: get seen today/i);
    expect(urgencyOf(replies)).toBe('urgent');
  });
  it.each(['yes, both', 'yeah I have', 'all of them'])('"%s" straight after the urgent card ("call 999 if you get chest pain…") makes it an emergency, for the rest of the conversation', async (text) => {
    const c = await escalated();
    const replies = await c.say(text);
    expect(urgencyOf(replies)).toBe('emergency');
    expect(textOf(replies)).toMatch(/You said yes to signs that need help now/);
    expect(JSON.stringify(replies)).toContain('tel:999');
    expect(urgencyOf(await c.say('can my husband drive me instead?'))).toBe('emergency');
  });
  it('a bare "yes" or "yes I will go" after the urgent card is not read as the emergency signs', async () => {
    for (const text of ['yes', 'yes I will go to the walk-in centre']) {
      const c = await escalated();
      expect(urgencyOf(await c.say(text))).toBe('urgent');
    }
  });
  it('after an emergency, waiting or driving gets "call now" and "don\'t drive yourself"', async () => {
    const c = await escalated('my foot is cold and white and numb');
    expect(textOf(await c.say('can I drive myself to A&E?'))).toMatch(/Don't drive yourself/);
    const wait = await c.say("I'll wait and see");
    expect(textOf(wait)).toMatch(/Call 999 now/);
    expect(urgencyOf(wait)).toBe('emergency');
  });
  it.each([
    ['the ambulance is on its way', /Stay where help can reach you/],
    ["I'm at A&E now", /Stay where help can reach you/],
    ['should I take an aspirin?', /don't take anything for this unless/i],
    ["I'm really scared", /understandable to be frightened/],
  ])('after an emergency, "%s" gets a reply about the emergency, not the usual answer', async (text, expected) => {
    const c = await escalated('my calf is swollen and now I am short of breath with chest pain');
    const replies = await c.say(text);
    expect(textOf(replies)).toMatch(expected);
    expect(urgencyOf(replies)).toBe('emergency');
    expect(intentsOf(replies)).toEqual([]);
  });
  it('after an emergency, an unrelated question is not answered as usual', async () => {
    const c = await escalated('my foot is cold and white and numb');
    const replies = await c.say('which shoes do you recommend?');
    expect(textOf(replies)).toMatch(/call 999 now if you haven't/i);
    expect(intentsOf(replies)).toEqual([]);
    expect(urgencyOf(replies)).toBe('emergency');
  });
  it('a new, lesser sign after an emergency gets the emergency card again, never the urgent one', async () => {
    const c = await escalated('my calf is swollen and now I am short of breath with chest pain');
    const replies = await c.say('could it be a clot?');
    expect(urgencyOf(replies)).toBe('emergency');
    expect(textOf(replies)).not.toMatch(/Please get medical advice today/);
  });
  it('a clot ruled out earlier in the conversation, then an emergency: repeating that check does not end it', async () => {
    const c = await bot.conversation();
    expect(urgencyOf(await c.say('a doctor ruled out a DVT last week, which stretches help a tight calf?'))).toBe('none');
    expect(urgencyOf(await c.say("now I'm coughing up blood and breathless"))).toBe('emergency');
    const replies = await c.say('the doctor said it was not a clot');
    expect(urgencyOf(replies)).toBe('emergency');
    expect(textOf(replies)).toMatch(/before these new signs/);
  });
  it('after an urgent escalation, a question about painkillers is sent to the clinician who sees them today', async () => {
    const c = await escalated();
    const replies = await c.say('can I take ibuprofen for it?');
    expect(textOf(replies)).toMatch(/before taking anything for this/);
    expect(urgencyOf(replies)).toBe('urgent');
  });
  it('a message the bot cannot place gets "don\'t wait: get seen today" with the call buttons, not the off-topic menu alone', async () => {
    const c = await escalated();
    const replies = await c.say('is there parking near the hospital');
    expect(textOf(replies)).toMatch(/don't wait: get seen today/i);
    expect(urgencyOf(replies)).toBe('urgent');
    expect(JSON.stringify(replies)).toContain('tel:111');
  });
  it('"my daughter can take me in an hour" gets the advice about getting there, not the off-topic menu', async () => {
    const c = await escalated();
    const replies = await c.say('my daughter can take me in an hour, is that ok');
    expect(textOf(replies)).toMatch(/ask someone to take you/);
    expect(textOf(replies)).not.toMatch(/outside what I can help with/);
    expect(urgencyOf(replies)).toBe('urgent');
  });
  it('an unrelated question is answered, with a reminder, at the escalated level', async () => {
    const c = await escalated();
    const replies = await c.say('hello');
    expect(textOf(replies)).toMatch(/Reminder: please get seen today/);
    expect(urgencyOf(replies)).toBe('urgent');
  });
  it('once a clinician has ruled it out, the bot goes on with a reminder of the warning signs', async () => {
    const c = await escalated();
    const cleared = await c.say('the doctor examined me today and ruled out a clot');
    expect(textOf(cleared)).toMatch(/glad you have been checked/);
    expect(textOf(cleared)).toMatch(/short of breath/);
    expect(urgencyOf(cleared)).toBe('none');
    const next = await c.say('which calf stretches can I do?');
    expect(urgencyOf(next)).toBe('none');
    expect(textOf(next)).not.toMatch(/Not until you have been checked/);
  });
  it('signs add up across turns: a red, hot leg, then shivers and a fever, is an emergency (sepsis)', async () => {
    const c = await escalated('my calf has gone red and hot and swollen around a graze');
    const replies = await c.say("now I've got the shivers and a temperature of 39 and feel awful");
    expect(urgencyOf(replies)).toBe('emergency');
    expect(textOf(replies)).toMatch(/Call 999 now/);
  });
  it('the earlier signs alone never send the same card again', async () => {
    const c = await escalated();
    const replies = await c.say('my calf still hurts');
    expect(textOf(replies)).not.toMatch(/Please get medical advice today/);
    expect(urgencyOf(replies)).toBe('urgent');
  });
  it('a clinician\'s all-clear that also names an exercise word ("walk-in centre") stays cleared on the next turn', async () => {
    const c = await escalated();
    expect(textOf(await c.say("went to the walk in centre, they scanned it, not a clot, it's a muscle tear"))).toMatch(/glad you have been checked/);
    const next = await c.say('so can I start stretching now?');
    expect(textOf(next)).not.toMatch(/Not until you have been checked/);
    expect(urgencyOf(next)).toBe('none');
  });
  it('after an all-clear, new signs escalate again, and the earlier check does not end the new escalation', async () => {
    const c = await escalated();
    expect(textOf(await c.say('the doctor examined me today and ruled out a clot'))).toMatch(/glad you have been checked/);
    expect(urgencyOf(await c.say('now I am suddenly short of breath'))).toBe('emergency');
    const replies = await c.say('but the doctor already said it was not a clot');
    expect(textOf(replies)).toMatch(/cannot rule them out/);
    expect(urgencyOf(replies)).toBe('emergency');
    expect(urgencyOf(await c.say('ok'))).toBe('emergency');
  });
  it('the escalation is remembered in conversation state, for staff to see', async () => {
    const c = await escalated();
    await c.say('ok');
    const key = `console/conversations/${c.id}/`;
    const state = (await bot.db.storage.read([key]))[key] as { escalation?: { level: string; conditions: string[] } } | undefined;
    expect(state?.escalation?.level).toBe('urgent');
    expect(state?.escalation?.conditions).toContain('dvt');
  });
});

describe('the writer takes back the words that escalated, in the very next message', () => {
  it('"i think ive snapped my leg", then "ok not literally lol … leg day, both thighs sore": the card ends, the message is answered, with the warning signs', async () => {
    const c = await bot.conversation();
    expect(urgencyOf(await c.say('i think ive snapped my leg 😭😭'))).toBe('urgent');
    const back = await c.say('ok not literally lol. did my first proper leg day in 2 yrs on monday, today both thighs are SO sore');
    expect(urgencyOf(back)).toBe('none');
    expect(textOf(back)).toMatch(/Thank you for putting that right/);
    expect(textOf(back)).toMatch(/know the warning signs/);
    const next = await c.say('can I foam roll them?');
    expect(urgencyOf(next)).toBe('none');
    expect(textOf(next)).not.toMatch(/Not until you have been checked/);
  });
  it('an emergency on one short message can be taken back too: "My calf is dead", then a night cramp', async () => {
    const c = await bot.conversation();
    expect(urgencyOf(await c.say('My calf is dead. Completely dead.'))).toBe('emergency');
    const back = await c.say('Sorry that sounded dramatic. I woke up at 4am with a cramp in my calf, it let go after a minute, just tender today');
    expect(urgencyOf(back)).toBe('none');
    expect(textOf(back)).toMatch(/Thank you for putting that right/);
  });
  it.each([
    ['playing it down is not taking it back', 'i think ive snapped my leg', "it's probably nothing, forget I said that. which stretches?", 'urgent'],
    ['a take-back that names a sign again', 'i think ive snapped my leg', "sorry I was exaggerating, but my calf is swollen and hot now", 'urgent'],
    ['a message with many signs ("swollen and hot" fires four rules)', 'my calf is swollen and hot', "sorry that sounded dramatic, it's fine. which stretches?", 'urgent'],
    ['breathlessness (the lungs and the heart cannot be ruled out in a chat)', "I can't breathe and my chest hurts", 'lol not literally, just unfit. which calf stretches?', 'emergency'],
  ] as const)('%s keeps the card: "%s", then "%s"', async (_why, first, second, level) => {
    const c = await bot.conversation();
    expect(urgencyOf(await c.say(first))).toBe(level);
    const next = await c.say(second);
    expect(urgencyOf(next)).toBe(level);
    expect(textOf(next)).not.toMatch(/Thank you for putting that right/);
  });
  it('only the very next message can take it back', async () => {
    const c = await bot.conversation();
    expect(urgencyOf(await c.say('i think ive snapped my leg'))).toBe('urgent');
    await c.say('what should I do?');
    expect(urgencyOf(await c.say('ok not literally lol, just sore thighs after leg day'))).toBe('urgent');
  });
});

describe('bypass attempts', () => {
  const hidden = ['cl\u200bot in my calf?', 'my calf is s\u00adwollen and red', 'short\u2060 of breath and my leg hurts', 'my foot is c\u200cold and wh\u200dite'];
  it.each(hidden)('invisible characters do not hide a red flag from the bot: %j', async (text) => {
    expect(urgencyOf(await say(text))).not.toBe('none');
  });
  const recognizer = loadRecognizer('intents');
  it.each(hidden)('nor from classify: %j', (text) => {
    const out = classifyLine(JSON.stringify({ text }), 1, recognizer, bot.app.triage, thresholdsFromEnv());
    expect(out.urgency).not.toBe('none');
  });
  it('a Teams @mention in front of a red flag is removed before triage, and the flag still escalates', async () => {
    expect(urgencyOf(await say('<at>calfbot</at> my leg went cold and white'))).toBe('emergency');
  });
});

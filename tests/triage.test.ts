import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it, vi } from 'vitest';
import { testConfig } from '../src/config';
import { createTriage, loadTriage, NO_FLAG } from '../src/triage';
import { loadDetector } from '../src/triage/detector';
import { escalationSpec } from '../src/triage/escalation';
import { cardText } from '../src/cards';
import { LexiconError, loadLexicon, parseLexicon } from '../src/triage/lexicon';
import { Matcher, normaliseText } from '../src/triage/matcher';
import { loadWording } from '../src/triage/wording';

interface Case { text: string; expect: 'none' | 'urgent' | 'emergency' }
const base = parse(readFileSync('tests/data/triage-cases.yaml', 'utf8')) as { red_flags: Case[]; benign: Case[] };
// Red flags staff found triage missed (npm run nlu:export-labels), same format, when present.
const REVIEWED = 'tests/data/triage-reviewed.yaml';
const reviewed = existsSync(REVIEWED) ? (parse(readFileSync(REVIEWED, 'utf8')) as { red_flags?: Case[] | null; benign?: Case[] | null }) : {};
const table = { red_flags: [...base.red_flags, ...(reviewed.red_flags ?? [])], benign: [...base.benign, ...(reviewed.benign ?? [])] };
const triage = loadTriage('triage');
/** A lexicon as its YAML file has it (conditions with their rules), for the validation tests. */
function rawLexicon(): { fragments: Record<string, string>; sign_groups: Record<string, string[]>; fuzzy: { spellings: Record<string, string> }; concepts: { id: string; phrases: string[] }[]; conditions: { id: string; rules: Record<string, unknown>[] }[] } {
  return parse(readFileSync('triage/red-flags.yaml', 'utf8')) as ReturnType<typeof rawLexicon>;
}

describe('triage table', () => {
  it('has at least 80 red-flag and 80 benign messages', () => {
    expect(table.red_flags.length).toBeGreaterThanOrEqual(80);
    expect(table.benign.length).toBeGreaterThanOrEqual(80);
    expect(table.red_flags.every((c) => c.expect !== 'none')).toBe(true);
    expect(table.benign.every((c) => c.expect === 'none')).toBe(true);
  });

  it('catches every red flag (100% recall)', () => {
    const missed = table.red_flags.filter((c) => triage.assess(c.text).level === 'none').map((c) => c.text);
    expect(missed).toEqual([]);
  });

  it('never downgrades an emergency to urgent', () => {
    const downgraded = table.red_flags.filter((c) => c.expect === 'emergency' && triage.assess(c.text).level !== 'emergency').map((c) => c.text);
    expect(downgraded).toEqual([]);
  });

  it('escalates at most 5% of benign messages', () => {
    const false_ = table.benign.filter((c) => triage.assess(c.text).level !== 'none').map((c) => c.text);
    expect(false_.length / table.benign.length).toBeLessThanOrEqual(0.05);
  });

  it('escalates none of the table\'s own benign messages (each is a false alarm fixed once: its return is a regression)', () => {
    const false_ = base.benign.filter((c) => triage.assess(c.text).level !== 'none').map((c) => c.text);
    expect(false_).toEqual([]);
  });

  it.each(table.red_flags.map((c) => [c.text, c.expect] as const))('%s → %s', (text, level) => {
    const r = triage.assess(text);
    if (level === 'emergency') expect(r.level).toBe('emergency');
    else expect(r.level).not.toBe('none');
    expect(r.reasons.length).toBeGreaterThan(0);
  });
});

describe('reasons', () => {
  it('are condition/rule ids, never the message text', () => {
    const r = triage.assess('my calf is swollen and red after a long flight');
    const ruleIds = new Set([...triage.lexicon.rules.map((x) => `${x.condition}/${x.id}`), 'dvt/detector']);
    expect(r.reasons.length).toBeGreaterThan(0);
    for (const reason of r.reasons) expect(ruleIds.has(reason)).toBe(true);
  });
  it('empty or blank text is none', () => {
    expect(triage.assess('')).toEqual(NO_FLAG);
    expect(triage.assess('   ')).toEqual(NO_FLAG);
  });
});

describe('explicit DVT / vascular terms always escalate', () => {
  it.each([
    'could this be a DVT?', 'dvt?', 'DVT', "it's not a clot, is it?", 'no DVT', 'not a blood clot',
    'what if it were a thrombosis', 'never had deep vein thrombosis',
    'I definitely do not have PVD', 'is it claudication?', 'poor circulation', 'PAD',
    'embolism', 'without a clot', 'neither DVT nor PAD',
  ])('%s', (text) => {
    expect(triage.assess(text).level).not.toBe('none');
  });
  it('does not treat the word "pad" as peripheral artery disease', () => {
    expect(triage.assess('I use a heating pad on my calf').level).toBe('none');
  });
});

describe('typos, inflections and spellings', () => {
  it.each([
    ['my calf is swolen', 'urgent'], ['blood clott', 'urgent'], ['thrombosys', 'urgent'], ['dvt?', 'urgent'],
    ['sweling in my calf', 'urgent'], ['I am brethless', 'emergency'], ['shortnes of breath', 'emergency'],
    ['embolisim', 'urgent'], ['my leg swelled up', 'urgent'], ['my leg has changed colour', 'emergency'],
    ['my leg has changed color', 'emergency'], ['my foot is discolored', 'emergency'], ['calf oedema', 'urgent'],
    ['calf edema', 'urgent'], ["i can't feel my foot", 'emergency'], ['i cant feel my foot', 'emergency'],
    ['I CANNOT FEEL MY FOOT', 'emergency'], ['my calf isnt swollen but its red n hot', 'urgent'],
    ['clots', 'urgent'], ['clotting', 'urgent'],
  ] as const)('%s → %s', (text, level) => {
    expect(triage.assess(text).level).toBe(level);
  });
  it('does not fuzzy-match short or everyday words into red flags', () => {
    for (const text of ['sorry about my spelling, my calf is tight', 'I never stretch', 'compression clothing for runners', 'I sat on the couch', 'got a fright and my calf is tight', 'arching my foot hurts a bit']) {
      expect(triage.assess(text).level, text).toBe('none');
    }
  });
});

describe('negation', () => {
  const concept = (text: string, id: string): boolean[] => triage.analyse(text).occurrences.filter((o) => o.concept === id).map((o) => o.negated);

  it.each([
    'no swelling', 'not red', 'without any warmth', "isn't warm", 'neither swollen nor red',
    'my calf is tight but not swollen or red', 'no swelling, redness or warmth', 'there is no redness and no swelling',
    'it is not swollen and it is not warm', 'the swelling went away', 'no chest pain', 'I am not short of breath',
    'no swelling, redness or pain in either leg', 'no swelling, redness or warmth anywhere',
  ])('%s → none', (text) => {
    expect(triage.assess(text).level).toBe('none');
  });

  it('a denied list followed by where it is stays denied, but a clause with its own "not" after the comma is not part of it', () => {
    expect(concept('no swelling, redness or pain in either leg', 'redness')).toEqual([true]);
    expect(concept('cold pale foot, reports numbness and can\'t really DF, I can\'t palpate DP or PT on that side', 'weak_pulse')).toEqual([false]);
  });

  it('a denied list whose last item has no concept of its own stays denied ("no heat, redness or hard lumps"), and "SOB nil" denies as staff write it', () => {
    expect(concept('no heat, redness or hard lumps on my calf', 'redness')).toEqual([true]);
    expect(concept('no heat, redness and hard lumps on my calf', 'redness')).toEqual([false]);
    expect(concept('calf soft, SOB nil, HR 76', 'breathless')).toEqual([true]);
    expect(concept('nil SOB', 'breathless')).toEqual([true]);
    expect(concept('SOB nil swelling', 'breathless')).toEqual([false]);
  });

  it('a line break ends a sentence, and a form\'s "Label: no" denies the label, as a checklist\'s "Red? no" does', () => {
    const form = 'Red flag screening:\nSwelling in one leg: no\nRedness/heat: no\nChest pain/breathlessness: no\nJust want a sports massage';
    expect(concept(form, 'swelling')).toEqual([true]);
    expect(triage.assess(form).level).toBe('none');
    expect(triage.assess('Swelling in one leg: yes, the left calf since the flight\nRedness/heat: no').level).toBe('urgent');
    // the same lines run together without breaks are one clause, and "no" is not an answer there
    expect(concept('Swelling in one leg: no Redness', 'swelling')).toEqual([false]);
    expect(triage.assess('Symptoms: no pain but my calf is swollen and hot').level).toBe('urgent');
  });

  it('a laughing emoji reads as a laugh: "can\'t breathe 😂" is a joke, "can\'t breathe" alone is not', () => {
    expect(triage.assess("can't breathe 😂 has everyone seen the new jumper").level).toBe('none');
    expect(triage.assess("can't breathe, has anyone got the number for the GP").level).toBe('emergency');
    expect(triage.assess("can't breathe 😂 but my calf has been swollen and hot since the flight").level).toBe('emergency');
  });

  it('a denial ends where "and if" or "and when" starts a new clause', () => {
    expect(concept('ibuprofen did absolutley nothing and if i move my toes i basically scream', 'toe_move_pain')).toEqual([false]);
    expect(concept('calf not swollen and when i touch it its hot and red', 'warmth')).toEqual([false, false]);
    expect(concept('no swelling or warmth in the calf', 'warmth')).toEqual([true]);
  });

  it('a pasted questionnaire\'s "Q: … A: no" and a dash answer ("fever - no") deny the sign, and only a bare answer does', () => {
    expect(concept('Q: breathless? A: no, just knackered', 'breathless')).toEqual([true]);
    expect(concept('Q: breathless? A: yes, since this morning', 'breathless')).toEqual([false]);
    expect(concept('fever - no not that i know of', 'fever')).toEqual([true]);
    // "yes" leaves the fever (and the 39 told with it) a sign
    const yes = concept('fever - yes, 39 and shivering', 'fever');
    expect(yes.length).toBeGreaterThan(0);
    expect(yes.every((negated) => !negated)).toBe(true);
    // "no" to a question about a change says the sign is still there
    expect(concept('swelling gone down - no, it is bigger since my flight', 'swelling')).toEqual([false]);
    expect(triage.assess('swelling gone down? no, it is bigger since my flight').level).toBe('urgent');
    // a dash before "no clot" in a sentence is not an answer
    expect(triage.assess('The doctor said my calf pain is a strain — no clot, no tear, he checked I can go up on tiptoe fine').level).toBe('none');
  });

  it('a spaced dash before a new subject ends a denial, as a comma would; one that goes on with the same thought does not', () => {
    expect(concept('Not being lazy - my bum and thighs seize up when I walk', 'walking_symptom')).toEqual([false]);
    expect(concept('Not being lazy my bum and thighs seize up when I walk', 'walking_symptom')).toEqual([true]);
    expect(triage.assess('Not being lazy - my bum and thighs seize up when I walk so I stop, sit on a wall, go again').level).toBe('urgent');
    // "not cramp - gets cramp, knows what it feels like": the cramp named after the dash is still the one denied
    expect(triage.assess("sudden severe calf pain 2 hrs ago walking to the car, definitely not cramp - gets cramp, knows what it feels like").level).toBe('urgent');
    expect(normaliseText('2-3 min')).toBe('2-3 min');
  });

  it('a checklist answered in one message denies each sign answered "no", and only those', () => {
    expect(triage.assess('Red? no. Swollen? nope. Flights? no. Pain? only when I press the knot the physio found').level).toBe('none');
    expect(concept('Red? no. Swollen? yes, since my flight', 'swelling')).toEqual([false]);
    expect(triage.assess('Red? no. Swollen? yes, since my flight, and it is hot').level).toBe('urgent');
    // "no idea" answers nothing; a long question is not a checklist item
    expect(triage.assess('Is it swollen? No idea, but it is red and hot').level).toBe('urgent');
    expect(concept('could the swelling in my left calf be a clot? no', 'swelling')).toEqual([false]);
  });

  it('scope ends at "but": only swollen is negated in "not swollen but red and warm"', () => {
    expect(concept('not swollen but red and warm', 'swelling')).toEqual([true]);
    expect(concept('not swollen but red and warm', 'redness')).toEqual([false]);
    expect(concept('not swollen but red and warm', 'warmth')).toEqual([false]);
    expect(triage.assess('not swollen but red and warm').level).toBe('urgent');
  });

  it('a phrase owns its negation words, but a span across sentences does not hide a denial', () => {
    // "can not walk" is one phrase: the walking is not denied
    expect(triage.assess('sudden calf pain and I can not walk on it').level).not.toBe('none');
    // "the nurse taught me … the vascular clinic" is one span (a known artery disease looked after); "Not in a huge amount of
    // pain" inside it still denies the pain
    const text = 'Today my foot went numb and purplish and I can\'t feel the pulse on top of the foot that the nurse taught me to check. I have always had cold feet. Not in a huge amount of pain, it\'s just odd. Should I ring the vascular clinic on Monday?';
    expect(concept(text, 'pain')).toEqual([true]);
    expect(triage.assess(text).level).toBe('emergency');
  });

  it('scope ends at a full stop and at "and" + new subject', () => {
    expect(triage.assess('No. My calf is swollen').level).toBe('urgent');
    expect(triage.assess('no pain and my calf is swollen').level).toBe('urgent');
  });

  it('a comma ends the scope unless it continues a plain list', () => {
    expect(triage.assess('no swelling, red and warm').level).toBe('urgent');
  });

  it('"doing nothing" tells what the writer was doing: it denies nothing after it', () => {
    expect(concept('lying in the tent doing nothing and got a sudden severe pain in my calf', 'sudden')).toEqual([false]);
    expect(triage.assess('lying in the tent doing nothing and got a sudden severe pain in my calf').level).toBe('urgent');
    // "nothing" as a denial still denies
    expect(concept('nothing sudden, just stiff after the run', 'sudden')).toEqual([true]);
  });

  it('a denial ends where a phrase with its own "not" begins ("not cramp, can\'t stand on it")', () => {
    expect(concept('calf just went 10/10 from nothing not cramp cant stand on it', 'cannot_walk')[0]).toBe(false);
    expect(triage.assess('calf just went 10/10 from nothing not cramp cant stand on it').level).toBe('urgent');
    // a denial still reaches the signs before that phrase
    expect(concept('not swollen cant stand for long at work though', 'swelling')).toEqual([true]);
  });

  it('pseudo-negations do not negate ("not sure", "can\'t tell", "no idea")', () => {
    expect(triage.assess('not sure if my calf is swollen').level).toBe('urgent');
    expect(triage.assess("I can't tell if my calf is swollen").level).toBe('urgent');
    expect(triage.assess('swollen calf, no idea why').level).toBe('urgent');
    // the swelling is not negated by "never" (the classifier may also raise the level)
    expect(triage.assess("I've never had my calf swollen like this before").reasons).toContain('dvt/swelling');
  });

  it('inability phrases are symptoms, not negations', () => {
    expect(triage.assess("I can't walk").level).toBe('urgent');
    expect(triage.assess('I cannot breathe').level).toBe('emergency');
    expect(triage.assess('no feeling in my foot').level).toBe('emergency');
    expect(triage.assess("I can't stop coughing up blood").level).toBe('emergency');
  });

  it('negated emergency symptoms do not escalate, but a second, un-negated one does', () => {
    expect(triage.assess('no chest pain but I feel breathless').level).toBe('emergency');
    expect(triage.assess("I don't have chest pain, my calf is red and swollen").level).toBe('urgent');
  });

  it('"unable to … without X" says X happens, however long the sentence in between', () => {
    const text = 'former smoker, I am unable to walk the length of the high street without a gripping pain in my calf';
    expect(triage.analyse(text).occurrences.filter((o) => o.concept === 'pain').every((o) => !o.negated)).toBe(true);
    // the plain denial still denies: "I walk without any pain"
    expect(triage.analyse('I walk to the shops without any pain').occurrences.filter((o) => o.concept === 'pain').every((o) => o.negated)).toBe(true);
  });

  it('"nil" in clinical shorthand denies what follows ("nil swelling")', () => {
    expect(triage.analyse('nil swelling, nil redness, calf tight after football').occurrences.filter((o) => o.concept === 'swelling').every((o) => o.negated)).toBe(true);
    expect(triage.assess('nil swelling, nil redness, calf tight after football').level).toBe('none');
  });

  it('post-negation "gone" does not swallow colour changes ("gone white")', () => {
    expect(triage.assess('my foot has gone white').level).toBe('emergency');
  });

  it('legs that ache sitting still and ease on getting up are not narrowed arteries; foot pain at night that does is, for the rules alone too', () => {
    const rules = loadTriage('triage', { detector: false });
    expect(rules.assess('achy legs in the evening sitting on the sofa, both legs, better as soon as I get up and move about, is it my circulation?').level).toBe('none');
    expect(rules.assess('I have poor circulation, and pain in my foot at night that is better if I get up and walk around').level).toBe('urgent');
  });

  it('"gone completely" ends a recovery, but "gone completely dead" is a leg that stopped working', () => {
    const swelling = triage.analyse('the swelling in my calf has gone completely').occurrences.filter((o) => o.concept === 'swelling');
    expect(swelling.length).toBeGreaterThan(0);
    expect(swelling.every((o) => o.negated)).toBe(true);
    expect(triage.assess('my left leg has gone completely dead from the knee down').level).toBe('emergency');
    expect(triage.assess('my foot has gone totally numb and cold').level).toBe('emergency');
  });

  it('a recovery denied ("hasn\'t gone", "never went away", "not fully gone") leaves the sign standing', () => {
    for (const text of ["the chest pain hasn't gone", 'the chest pain never went away', 'the chest pain has not fully gone']) {
      const pain = triage.analyse(text).occurrences.filter((o) => o.concept === 'chest_pain');
      expect(pain.length, text).toBeGreaterThan(0);
      expect(pain.some((o) => o.negated), text).toBe(false);
      expect(triage.assess(text).level, text).toBe('emergency');
    }
    expect(triage.assess('the chest pain has gone').level).toBe('none');
  });
});

describe('a past clot or a clear scan (judgement call, docs/triage.md)', () => {
  it.each(['I had a clot years ago', 'I had a DVT in 2015, fine since, stretches please', 'the scan yesterday was clear, which stretches can I do?'])('%s: no current sign → answer with the safety net', (text) => {
    const r = triage.assess(text);
    expect(r.level).toBe('none');
    expect(r.safetyNet).toBe(true);
  });
  it.each(['I had a DVT in 2015 and now my calf is swollen', 'the scan last week was clear but the calf is hot and red today', 'had a clot years ago, my calf hurts since yesterday'])('%s: a current sign escalates', (text) => {
    expect(triage.assess(text).level).not.toBe('none');
  });
  it.each([
    'my GP examined my sore calf after the flight and said no signs of a clot, what stretches can I do?',
    'they scanned it, all clear, still a bit tight though, heat or ice?',
    'my calf was swollen after a flight so I went to A&E, they scanned it and said no clot, it is a strain',
  ])('%s: a clinician checked this leg and found no clot → the signs named with it were checked: safety net', (text) => {
    const r = triage.assess(text);
    expect(r.level).toBe('none');
    expect(r.safetyNet).toBe(true);
  });
  it.each([
    'ultrasound on monday showed no clot, since then the calf has got more swollen',
    'they ruled out a DVT, now my leg is hotter and bigger than before',
  ])('%s: a sign new or worse since the check escalates', (text) => {
    expect(triage.assess(text).level).toBe('urgent');
  });
  it('a clear scan for a clot does not cover other conditions: breathlessness is still an emergency', () => {
    expect(triage.assess('the scan showed no clot but now I am short of breath').level).toBe('emergency');
  });
});

describe('stories: someone else\'s emergency, or one long over (docs/triage.md)', () => {
  it.each([
    'My nan had cellulitis in her leg, red and hot and spreading, she was in hospital for a week, she is home and fine now. My lower back is sore from lifting her, any stretches?',
    'watching 24 hours in A&E and a man came in with his leg gone cold and white from a clot. made me think about my own legs, are tight calves normal?',
    'the leg on our CPR mannequin has gone all white and cold, who orders a new one?',
  ])('%s: the story\'s signs are not the writer\'s: no escalation, and nothing carried to the next message', (text) => {
    const r = triage.assess(text);
    expect(r.level).toBe('none');
    expect(r.signs).not.toContain('redness');
    expect(r.signs).not.toContain('colour_change');
  });
  it.each([
    'my nan had cellulitis last year and now it is back, red, hot and spreading up her leg',
    'my dad had a DVT 2 years ago and his calf is swollen and hot',
    'watching tv and his leg went cold and white and he can not feel it',
    'my sister had a PE years ago, fully recovered. I flew back yesterday and my calf is swollen and hot',
    'I had a DVT 3 years ago, fully recovered, but now my calf is swollen and hot',
  ])('%s: a sign happening now, beside or after a story, escalates', (text) => {
    expect(triage.assess(text).level).not.toBe('none');
  });
  it('a story still counts for the safety net: a past clot, all fine now, gets the line on what to watch for', () => {
    const r = triage.assess('My brother had a DVT in 2019, he is fine now. Is it ok for me to start running?');
    expect(r.level).toBe('none');
    expect(r.safetyNet).toBe(true);
  });
  it('"it never healed" is not over: the sign counts', () => {
    expect(triage.assess('I broke my leg in 2019 and it is numb and cold, it never healed').level).not.toBe('none');
  });
});

describe('nerve signs described by what people notice', () => {
  it.each([
    'I keep tripping over my own toes lately and my calf aches',
    "since my back went I can't seem to get up on my toes on the left, the right is fine",
    "Cannae push aff on ma left foot, back's been bad for weeks",
    'the top of my foot has felt asleep for weeks and I keep going over on that ankle',
    'my foot kind of flops when I walk since sitting cross legged all evening',
  ])('%s → urgent', (text) => {
    expect(triage.assess(text).level).not.toBe('none');
  });
  it.each(["my physio says I have poor dorsiflexion, what does that mean?", 'I tripped on a step once last week, just a bruise on my shin'])('%s → none', (text) => {
    expect(triage.assess(text).level).toBe('none');
  });
});

describe('a difference someone has always had', () => {
  it('one calf bigger since childhood is not a sign; the same calf newly swollen and hot is', () => {
    expect(triage.assess('one calf has always been bigger than the other, since I was a kid').level).toBe('none');
    expect(triage.assess('my left calf has always been a bit bigger but now it is swollen and hot').level).toBe('urgent');
  });
});

describe('levels', () => {
  /** The classifier on its own, trained once for the tests below that read it directly. */
  let trained: ReturnType<typeof loadDetector> | undefined;
  const detectorAlone = (): ReturnType<typeof loadDetector> => (trained ??= loadDetector(triage.lexicon));
  it('a PE symptom with a leg symptom is an emergency, not urgent', () => {
    expect(triage.assess('swollen calf and chest pain').level).toBe('emergency');
    expect(triage.assess('clot in my leg and I am short of breath').level).toBe('emergency');
  });
  it('a calf that "gives out" after the same short walk is claudication (urgent), not a dead leg (emergency)', () => {
    const r = triage.assess('can only get to the postbox before my calf gives out');
    expect(r.level).toBe('urgent');
    expect(r.conditions).toEqual(['peripheral_arterial_disease']);
    expect(triage.assess('my leg suddenly gave out and now it feels dead').level).toBe('emergency');
  });
  it('an urgent sign is not sent to 999 by the detector when the rules read that condition themselves', () => {
    // The detector knows only each condition's usual level: most neuro_deficit examples are
    // emergencies, but a foot drop that came on over weeks is urgent.
    for (const text of [
      'over the last month my foot has started to slap down when I walk',
      "mum's right foot has been slowly getting floppier for a few weeks, she drags it on the stairs",
      'my calf has been sore since I got off a long flight yesterday',
      // "today" in "GP to see him today" is when to be seen, not when it started
      'pt 70M, claudicant at 100m, foot cool, pedal pulses absent, please can GP see him today',
      'foot numbness has crept slowly up to the ankle over three weeks and the foot is slapping',
      // a red leg with a purple tinge is redness; the purple after a snap at the calf is the tear's bruise
      'since the long coach trip my left calf is swollen with a reddish purple tinge',
      "felt a snap and now the back of my calf is purple and I can't push off",
      // "tight and shiny" with heat after an operation is a clot's leg; "kicked me very hard" is the blow
      'had my knee replaced 10 days ago and now the calf is tight shiny and swollen and hot',
      'felt like someone kicked me very hard in the back of the leg, cant go on tiptoe',
      // a squeeze test where the foot does not move is a tendon test, not a sudden foot drop
      "she grabbed the back of her leg at dance yesterday, now walks flat footed, and when I squeeze her calf the foot doesn't move",
      "over the last month or so dad's foot has started to slap down, worse week by week, and he can't say if it's numb",
    ]) expect({ text, level: triage.assess(text).level }).toEqual({ text, level: 'urgent' });
  });
  it('the detector learns the level from the message, not from the condition: a foot drop over weeks is urgent, a sudden one with saddle numbness an emergency', () => {
    const detector = detectorAlone();
    const gradual = detector.detect('over the last two months my foot has been getting floppier and I trip on the stairs');
    const sudden = detector.detect("this morning my foot suddenly won't lift and I can't feel my bum when I wipe");
    expect([gradual.condition, gradual.level]).toEqual(['neuro_deficit', 'urgent']);
    expect([sudden.condition, sudden.level]).toEqual(['neuro_deficit', 'emergency']);
  });
  it('the detector has a class of its own for a sudden or night calf pain, which the rules are not the only guard of (round 33)', () => {
    // round 33's first-sight misses were mostly this kind; the classifier had no such class and read them as nothing or as another condition
    const detector = detectorAlone();
    const cases = parse(readFileSync('tests/data/dev362/redflags.yaml', 'utf8')) as { cases: { text: string; condition: string }[] };
    const sudden = cases.cases.filter((c) => c.condition === 'sudden_severe_pain');
    expect(sudden.length).toBeGreaterThanOrEqual(5);
    const read = sudden.map((c) => detector.detect(c.text)).filter((d) => d.condition === 'sudden_severe_pain' && d.verdict !== 'none');
    expect(read.length).toBeGreaterThanOrEqual(sudden.length - 1);
    // and a night cramp that lets go, or restless legs, is not read as one
    for (const text of ['calf cramp woke me at 3am, stood on it and it went in a minute, fine now', 'restless legs every evening on the sofa, both legs fidgety, no pain']) {
      expect({ text, verdict: detector.detect(text).verdict }).toEqual({ text, verdict: 'none' });
    }
  });
  it('a cold or discoloured foot told as long-standing is narrowed arteries (urgent); the same signs today, or a sudden change on top, are an emergency', () => {
    const chronic = triage.assess('my right foot has been colder than the left for months and the toes look a bit purple');
    expect([chronic.level, chronic.conditions]).toEqual(['urgent', expect.arrayContaining(['peripheral_arterial_disease'])]);
    expect(triage.assess('my right foot has gone cold and the toes look purple').level).toBe('emergency');
    expect(triage.assess('my toes have been purple for months but this afternoon the foot suddenly went white and cold').level).toBe('emergency');
  });
  it('a weak push-off after a snap at the heel is a rupture and a calf that gives out on walks is narrowed arteries (urgent); a pop in the back with a dead leg is an emergency', () => {
    const snap = triage.assess('something snapped at the back of my ankle in netball and now my foot has no power pushing off');
    expect([snap.level, snap.conditions]).toEqual(['urgent', ['rupture']]);
    const walks = triage.assess('my calf gives out halfway to the shop and comes back after a rest');
    expect([walks.level, walks.conditions]).toEqual(['urgent', ['peripheral_arterial_disease']]);
    expect(triage.assess('felt something pop in my lower back and now my left leg is dead').level).toBe('emergency');
  });
  it('pink froth or bloody phlegm is blood from the lungs, whether or not a cough is named', () => {
    expect(loadTriage('triage', { detector: false }).assess('brought up phlegm with pink froth this morning and my calf is sore since the op').level).toBe('emergency');
  });
  it('a long-standing cold foot is narrowed arteries (urgent) unless the same message makes it sudden or today (emergency)', () => {
    const rules = loadTriage('triage', { detector: false });
    const chronic = rules.assess('my left foot has always been colder than the right and the toes look a bit blue');
    expect([chronic.level, chronic.conditions]).toEqual(['urgent', ['peripheral_arterial_disease']]);
    const today = rules.assess('my left foot has always been colder than the right but this morning it went white and freezing');
    expect(today.level).toBe('emergency');
    expect(today.reasons.some((r) => r.startsWith('acute_limb_ischaemia/'))).toBe(true);
  });
  it('a foot drop with a numb patch told as weeks in the making is urgent; the same overnight is an emergency', () => {
    expect(triage.assess('over the last four or five weeks my foot has started slapping down and there is a numb bit on top').level).toBe('urgent');
    expect(triage.assess('overnight my foot has started slapping down and there is a numb bit on top').level).toBe('emergency');
  });
  it('a leg question after an operation gets the screening questions, unless the writer has already denied swelling, heat and redness', () => {
    expect(triage.assess('had my knee replaced 3 weeks ago and my calf is a bit tight, stretches?').screen).toBe(true);
    const denied = triage.assess('had my knee replaced 3 weeks ago, no swelling or heat, calf a bit tight, stretches?');
    expect([denied.level, denied.screen]).toEqual(['none', false]);
  });
  it('emergency reasons come first', () => {
    const r = triage.assess('swollen calf and chest pain');
    expect(r.reasons[0]).toBe('pulmonary_embolism/chest_pain');
  });
});

describe('lexicon validation', () => {
  it('names the condition and rule in the error', () => {
    const lex = rawLexicon();
    const rule = lex.conditions[0]?.rules[0];
    if (!rule) throw new Error('no rules');
    rule.level = 'maybe';
    expect(() => parseLexicon(lex)).toThrow(LexiconError);
    expect(() => parseLexicon(lex)).toThrow(/conditions\[pulmonary_embolism\]\.rules\[chest_pain\]/);
  });
  it('rejects a rule that references an unknown concept, naming the condition and rule', () => {
    const lex = rawLexicon();
    const rule = lex.conditions.find((c) => c.id === 'dvt')?.rules.find((r) => r.id === 'dvt_term');
    if (!rule) throw new Error('no rule');
    rule.require = [['no_such_concept']];
    expect(() => parseLexicon(lex)).toThrow(/conditions\[dvt\]\.rules\[dvt_term\]: unknown concept "no_such_concept"/);
  });
  it('rejects a concept that explains an unknown concept, naming the concept', () => {
    const lex = rawLexicon();
    const concept: { id: string; explains?: string[] } | undefined = lex.concepts.find((c) => c.id === 'leg_fell_asleep');
    if (!concept) throw new Error('no concept');
    concept.explains = ['limb_dead_weak', 'numbb'];
    expect(() => parseLexicon(lex)).toThrow(/concepts\[leg_fell_asleep\]\.explains: unknown concept "numbb"/);
  });
  it('checks the concepts of exclude_unless too, naming the condition and rule', () => {
    const lex = rawLexicon();
    const rule = lex.conditions.find((c) => c.id === 'acute_limb_ischaemia')?.rules.find((r) => r.id === 'cold_limb');
    if (!rule) throw new Error('no rule');
    rule.exclude_unless = { any_of: ['suddenly_typo'], exclude: ['chronic_course'] };
    expect(() => parseLexicon(lex)).toThrow(/conditions\[acute_limb_ischaemia\]\.rules\[cold_limb\]: unknown concept "suddenly_typo"/);
    rule.exclude_unless = [{ any_of: ['sudden'], exclude: ['chronic_course'] }, { any_of: ['sudden'], exclude: ['lifelong_typo'] }];
    expect(() => parseLexicon(lex)).toThrow(/conditions\[acute_limb_ischaemia\]\.rules\[cold_limb\]: unknown concept "lifelong_typo"/);
  });
  it('adds every_warning_rule to each urgent, emergency and screening rule, not to safety-net rules, and checks its concepts', () => {
    const lexicon = parseLexicon(rawLexicon());
    const gate = { any_of: ['current_person', 'onset_today'], exclude: ['staff_material_request'] };
    const warning = lexicon.rules.filter((r) => r.level !== 'safety_net');
    const safetyNets = lexicon.rules.filter((r) => r.level === 'safety_net');
    expect(warning.filter((r) => r.level === 'screen').length).toBeGreaterThan(5);
    expect(warning.length).toBeGreaterThan(100);
    expect(safetyNets.length).toBeGreaterThan(0);
    for (const r of warning) expect(r.exclude_unless, r.id).toContainEqual(gate);
    for (const r of safetyNets) expect(r.exclude_unless, r.id).not.toContainEqual(gate);
    const lex = rawLexicon() as ReturnType<typeof rawLexicon> & { every_warning_rule: { exclude_unless: unknown[] } };
    lex.every_warning_rule = { exclude_unless: [{ any_of: ['current_person'], exclude: ['no_such_check'] }] };
    expect(() => parseLexicon(lex)).toThrow(/unknown concept "no_such_check"/);
  });
  it('asks staff material no screening questions, and still escalates a person now told in it', () => {
    const text = 'Mentoring note: she asked great questions about compartment syndrome, pain out of proportion and tense calf';
    const note = triage.assess(text);
    expect(triage.analyse(text).setAside).toBe(true);
    expect([note.level, note.screen]).toEqual(['none', false]);
    for (const admin of ['does anyone have the pt handout for Achilles rupture return to sport? patient is 6 months post-op and doing great', 'The airline wants us to encourage in-flight leg exercises. Could you suggest a few for the crew room poster? Not for a problem, purely prevention.']) {
      const r = triage.assess(admin);
      expect([r.level, r.screen], admin).toEqual(['none', false]);
    }
    const patient = triage.assess('Mentoring session moved to Weds. FYI our 2pm has just turned up and she is breathless with chest pain');
    expect(patient.level).toBe('emergency');
    expect(triage.analyse('she is breathless with chest pain, our 2pm').setAside).toBe(false);
  });
  it('carries none of the signs of staff material set aside to the next messages', () => {
    const quiz = triage.assess("For question 4 I want a made-up scenario on Achilles rupture, something like 'caller heard a snap playing squash'. Can you write the model answer?");
    expect([quiz.level, quiz.signs, quiz.denied]).toEqual(['none', [], []]);
    const booking = "can you move Sandra from 3pm Thursday to 4pm? she's here for her Achilles rehab";
    expect(triage.assessAcross!(booking, quiz.signs, quiz.denied).level).toBe('none');
    // the same scenario told as a patient's own is carried: the next message completes it
    const own = triage.assess('heard a snap at squash last night');
    expect(own.signs).toContain('pop');
  });
  it('expands "@sign groups" in rules, groups inside groups included, without repeats', () => {
    const lex = parseLexicon(rawLexicon());
    const rule = lex.rules.find((r) => r.id === 'out_of_breath_with_leg_sign');
    expect(rule?.require[1]).toEqual(['swelling', 'swelling_lay', 'warmth', 'warmth_lay', 'redness', 'tenderness', 'size_asymmetry', 'dvt_term']);
    const breathless = lex.rules.find((r) => r.id === 'breathless');
    const lifts = breathless?.exclude_unless.find((u) => u.exclude.includes('breath_sport_cause'))?.any_of ?? [];
    expect(lifts).toEqual(expect.arrayContaining(['swelling', 'chest_pain', 'after_surgery', 'risk_context', 'getting_worse', 'dizzy']));
    expect(new Set(lifts).size).toBe(lifts.length);
    expect(lifts.some((c) => c.startsWith('@'))).toBe(false);
  });
  it('names an unknown, unused or circular sign group', () => {
    const unknown = rawLexicon();
    unknown.conditions.find((c) => c.id === 'dvt')!.rules.find((r) => r.id === 'dvt_term')!.require = [['@leg_clot_sings']];
    expect(() => parseLexicon(unknown)).toThrow(/conditions\[dvt\]\.rules\[dvt_term\]\.require: unknown sign group "@leg_clot_sings"/);
    const unused = rawLexicon();
    unused.sign_groups.spare = ['swelling'];
    expect(() => parseLexicon(unused)).toThrow(/sign_groups\.spare: not used by any rule/);
    const circular = rawLexicon();
    circular.sign_groups.leg_clot_signs = ['swelling', '@clot_signs_and_risks'];
    expect(() => parseLexicon(circular)).toThrow(/sign_groups\.(\w+): names itself through @\1 → @\w+ → @\1\b/);
  });
  it('expands {{fragments}} in phrases and filters, and names an unknown or unused one', () => {
    const lex = rawLexicon();
    const c = lex.concepts.find((x) => x.id === 'chest_pain');
    if (!c) throw new Error('no concept');
    lex.fragments.test_piece = 'zzq (pain|ache)';
    c.phrases.push('{{test_piece}} here');
    const parsed = parseLexicon(lex);
    expect(parsed.concepts.find((x) => x.id === 'chest_pain')?.phrases).toContain('zzq (pain|ache) here');
    expect(createTriage(parsed, loadTriage('triage', { detector: false }).wording).assess('zzq ache here').level).toBe('emergency');
    c.phrases.push('{{no_such_piece}}');
    expect(() => parseLexicon(lex)).toThrow(/concepts\[chest_pain\]\.phrases: unknown fragment "no_such_piece"/);
    c.phrases.splice(-2);
    expect(() => parseLexicon(lex)).toThrow(/fragments\.test_piece: not used by any concept/);
  });
  it('expands a fragment named inside another, and names a fragment that names itself through others', () => {
    const lex = rawLexicon();
    const c = lex.concepts.find((x) => x.id === 'chest_pain');
    if (!c) throw new Error('no concept');
    lex.fragments.inner_piece = '(zzq|qqz)';
    lex.fragments.outer_piece = '{{inner_piece}} (pain|ache)';
    c.phrases.push('{{outer_piece}} here', '{{inner_piece}} there');
    expect(parseLexicon(lex).concepts.find((x) => x.id === 'chest_pain')?.phrases).toEqual(expect.arrayContaining(['(zzq|qqz) (pain|ache) here', '(zzq|qqz) there']));
    lex.fragments.inner_piece = '(zzq|{{outer_piece}})';
    expect(() => parseLexicon(lex)).toThrow(/fragments\.(inner|outer)_piece: names itself through \{\{(inner|outer)_piece\}\} → \{\{(inner|outer)_piece\}\} → \{\{(inner|outer)_piece\}\}/);
  });
  it('reads chat spellings as their words, and rejects a spelling that a concept names itself (it would be dead there)', () => {
    const lex = rawLexicon();
    const rules = createTriage(parseLexicon(lex), loadTriage('triage', { detector: false }).wording);
    expect(rules.analyse('pain at nite').normalised).toBe('pain at night');
    lex.fuzzy.spellings = { ...lex.fuzzy.spellings, hrs: 'hours' };
    expect(() => parseLexicon(lex)).toThrow(/fuzzy\.spellings\.hrs: concepts\[[a-z_]+\] names "hrs" itself/);
  });
  it('reads a hedge after "can\'t" as the plain "can not", so every sign phrase with "can not" covers it', () => {
    expect(triage.analyse("I can't seem to get a full breath in").normalised).toBe('i can not get a full breath in');
    expect(triage.assess("two weeks after my c section and I can't seem to catch my breath").level).toBe('emergency');
    expect(triage.analyse("it doesn't seem to be swollen").normalised).toBe('it does not seem to be swollen');
  });
  it('rejects a condition without rules', () => {
    const lex = rawLexicon();
    const c = lex.conditions[0];
    if (!c) throw new Error('no condition');
    c.rules = [];
    expect(() => parseLexicon(lex)).toThrow(/conditions\[pulmonary_embolism\]\.rules: a condition needs at least one rule/);
  });
  it('rejects an invalid regular expression, naming the concept', () => {
    const lex = rawLexicon();
    const c = lex.concepts.find((x) => x.id === 'chest_pain');
    if (!c) throw new Error('no concept');
    c.phrases.push('(unclosed');
    expect(() => parseLexicon(lex)).toThrow(/concepts\[chest_pain\]/);
  });
  it('a phrase whose match ends in a space (an optional last word left out) still matches before another word', () => {
    const lex = rawLexicon();
    const c = lex.concepts.find((x) => x.id === 'exercise_context');
    if (!c) throw new Error('no concept');
    // only this phrase: the lexicon's own ones would find "10k" anyway
    c.phrases = ['\\b[0-9]+ ?k (run|race)?'];
    const analysis = createTriage(parseLexicon(lex), triage.wording).analyse('did 10k this morning and my calf is tight');
    expect(analysis.occurrences.map((o) => o.concept)).toContain('exercise_context');
  });
  it('createTriage works on a parsed lexicon', () => {
    expect(createTriage(parseLexicon(rawLexicon()), triage.wording).assess('dvt').level).toBe('urgent');
  });
});

describe('escalation wording', () => {
  const REASSURANCE = [
    /probably (not|nothing|fine|just)/i, /nothing to worry/i, /(do not|don't|no need to) worry/i, /unlikely/i,
    /(it's|it is) (fine|ok|okay|normal)/i, /not (serious|a clot|dangerous)/i, /just a (cramp|strain)/i,
    /wait and see/i, /no need/i, /most likely/i, /rest assured/i, /don't panic/i, /(is|are) common and harmless/i,
  ];
  const config = testConfig({ CLINIC_PHONE: '+44 20 7946 0001', EMERGENCY_NUMBER: '999', CLINIC_NAME: 'Test Clinic' });
  const reasonOf = (...ids: string[]) => {
    const rules = triage.lexicon.rules.filter((r) => ids.includes(r.id));
    return { redFlags: rules.map((r) => `${r.condition}/${r.id}`), conditions: rules.map((r) => r.condition), whys: rules.map((r) => r.why) };
  };
  const allReasons = reasonOf(...triage.lexicon.rules.map((r) => r.id));

  it.each(['urgent', 'emergency'] as const)('%s text never reassures and has no placeholders left', (level) => {
    const text = cardText(escalationSpec(triage.wording, level, allReasons, config));
    for (const re of REASSURANCE) expect(text).not.toMatch(re);
    expect(text).not.toMatch(/\{\w+\}/);
    for (const rule of triage.lexicon.rules) for (const re of REASSURANCE) expect(rule.why).not.toMatch(re);
  });
  it('urgent offers same-day medical assessment first, the clinic second; emergency names the emergency number', () => {
    const spec = escalationSpec(triage.wording, 'urgent', reasonOf('dvt_term'), config);
    expect(spec.buttons?.[0]).toEqual({ title: 'Call NHS 111 (111)', kind: 'call', value: 'tel:111' });
    expect(spec.buttons?.findIndex((b) => b.value === 'tel:+442079460001')).toBeGreaterThan(0);
    const urgent = cardText(spec);
    expect(urgent).toContain('+44 20 7946 0001');
    expect(urgent).toMatch(/today/);
    const emergency = cardText(escalationSpec(triage.wording, 'emergency', reasonOf('chest_pain'), config));
    expect(emergency).toContain('999');
    expect(emergency).not.toContain('911');
  });
  it('an emergency card never says "soon" or "today", even when an urgent rule also fired', () => {
    const text = cardText(escalationSpec(triage.wording, 'emergency', reasonOf('chest_pain', 'swollen_calf', 'swelling'), config));
    expect(text).not.toMatch(/\bsoon\b|\btoday\b/i);
  });
});

describe('normalisation keeps words that look like contractions', () => {
  it('"were" stays "were" ("the tests were fine" is a clinician\'s finding, not "the tests we are fine")', () => {
    expect(normaliseText('the nerve tests were fine')).toContain('tests were fine');
    expect(normaliseText("we're fine, they're fine")).toContain('we are fine, they are fine');
  });
});

describe('normalisation reads dialect the rules are written for', () => {
  it('Yorkshire "t\'" is "the", Scots "ower" is "over", "\'em" after a verb is "them"; a walking pain and a turned ankle read as such', () => {
    expect(normaliseText("seizin up by the time I get to t'end of t'ginnel")).toContain('the end of the ginnel');
    expect(normaliseText('went ower ma ankle on the cobbles')).toContain('went over my ankle');
    expect(normaliseText("he dangles 'em over the side")).toContain('dangles them over the side');
    expect(normaliseText('hangs em off the bed')).toContain('hangs them off the bed');
    // "I'd" before a past participle is "I had", otherwise "I would"
    expect(normaliseText("I'd fallen asleep cross legged, I'd like to book")).toContain('i had fallen asleep cross legged, i would like to book');
    expect(normaliseText("I thought I'd dropped a tin on it, I'd need a note")).toContain('i thought i had dropped a tin on it, i would need a note');
    // a noun's 's before a state is "is", so "walking's no bother" says walking is fine
    expect(normaliseText("walking's no bother, my calf's fine")).toContain('walking is no bother, my calf is fine');
    // a dropped g on a verb, not on "within", "begin" or "cabin"
    expect(normaliseText('hangin my leg out the side of the bed, been sleepin in the chair')).toContain('hanging my leg out the side of the bed, been sleeping in the chair');
    expect(normaliseText('within the cabin, begin')).toContain('within the cabin, begin');
    expect(triage.assess('wakes me up at night my toes burnin, only thing that helps is hangin my leg out the side of the bed').level).toBe('urgent');
    // "em" elsewhere is left alone
    expect(normaliseText('em, not sure')).toContain('em, not sure');
    expect(triage.assess("me calf's been seizin up by the time I get to t'end of t'lane. I stand there an it passes. 20 a day").level).toBe('urgent');
    expect(triage.assess('went ower ma ankle on the cobbles, a bit swollen and bruised but ah can walk on it fine').level).toBe('none');
  });
});

describe('normalisation reads a double negative as it is meant', () => {
  it('"cant hardly walk" and "couldn\'t hardly stand" are "can hardly", "could hardly"; "can\'t walk" stays a negation', () => {
    expect(normaliseText('cant hardly walk')).toContain('can hardly walk');
    expect(normaliseText("couldn't hardly stand")).toContain('could hardly stand');
    expect(normaliseText("can't walk")).toContain('can not walk');
  });
});

describe('normalisation reads a clinician\'s "#" as a fracture', () => {
  it('"tib #", "# ankle", "#NOF" and "#5th MT" are fractures; a hashtag is not', () => {
    const words = (t: string): string => normaliseText(t).replace(/\s+/g, ' ').trim();
    expect(words('post tib # in POP')).toContain('tib fracture in pop');
    expect(words('# ankle 2/7 ago')).toContain('fracture ankle');
    expect(words('#NOF last month')).toContain('fracture nof');
    expect(words('in POP for #5th MT')).toContain('for fracture 5th mt');
    expect(words('#legday done')).not.toContain('fracture');
  });
});

describe('a clinician\'s normal finding is not a sign', () => {
  it.each([
    'diabetic, my toes feel cold in the evening, the nurse checked my pulses and said they are strong',
    "I thought I'd torn my Achilles but the squeeze test was normal and the tendon is intact",
  ])('%s → none', (text) => {
    expect(triage.assess(text).level).toBe('none');
  });
  it('the same words without the finding still escalate', () => {
    expect(triage.assess("I think I've torn my Achilles, heard it go at squash").level).toBe('urgent');
    expect(triage.assess('diabetic, my toes are cold and white and I smoke').level).not.toBe('none');
  });
});

/** When the safety questions are asked: nothing to ask about, against the same words with something to ask. */
type ScreeningCase = [text: string, expected: { level: string; screen?: boolean; screenFor?: string[] }];
describe.each<{ topic: string; cases: ScreeningCase[] }>([
  {
    topic: 'a journey or an operation still to come (a journey just made still gets them)',
    cases: [
      ['flying to Canada next month, what can I do on the plane to keep my calves moving?', { level: 'none', screen: false }],
      ["I'm having a knee replacement next month, what calf signs should I watch for afterwards?", { level: 'none', screen: false }],
      ["flew back from Dubai on Sunday and I'm flying out again next week, what stretches for a tight calf?", { level: 'none', screen: true }],
    ],
  },
  {
    topic: 'a question about a self-test with a clot risk and no complaint (a complaint beside it still gets them)',
    cases: [
      ["I'm 22 weeks pregnant, is it safe to do the knee to wall test?", { level: 'none', screen: false }],
      ["I'm 22 weeks pregnant and my left calf aches, is it safe to do the knee to wall test?", { level: 'urgent' }],
      ['on the pill and my calf feels odd, can I do the heel raise test?', { level: 'none', screen: true }],
    ],
  },
  {
    // the journey's exclude_unless pair sets the rule aside with a complaint told; the self-test's pair without one
    topic: "each of a rule's exclude_unless pairs, read on its own",
    cases: [
      ['flying to Spain next week and my calves are tight, what can I do on the plane?', { level: 'none', screen: false }],
      ['flew back from Spain yesterday and my calves are tight, what can I do?', { level: 'none', screen: true }],
      ['flew back from Spain yesterday, can I do the heel raise test?', { level: 'none', screen: false }],
      ['flew back from Spain yesterday and my calves are tight, can I do the heel raise test?', { level: 'none', screen: true }],
    ],
  },
  {
    topic: 'breathlessness told with a sport, the stairs or a known panic attack: the breathing questions; with a clot sign, a sore calf on the stairs or a new course: the card',
    cases: [
      ['breathless at the end of my spin class as usual, calves burning, is a foam roller useful', { level: 'none', screen: true, screenFor: ['pulmonary_embolism'] }],
      ["I'm puffed out by the time I get to the 3rd floor, always have been. any calf exercises?", { level: 'none', screen: true, screenFor: ['pulmonary_embolism'] }],
      ['breathless at the end of my spin class and my left calf is swollen and hot', { level: 'emergency', screen: false }],
      ['my calf hurts and I get breathless on the stairs', { level: 'emergency' }],
      ['breathless on the stairs for the last few days, never used to be', { level: 'emergency' }],
      ['breathless on the bike at the gym, after resting it was not ok at all', { level: 'emergency' }],
    ],
  },
  {
    // a cause read across other words must not swallow the negations inside it
    topic: 'signs denied around a sport told beside breathing',
    cases: [
      ['Calf tight after running, no swelling or heat, both legs the same, not short of breath or anything. Just want stretches.', { level: 'none' }],
      ['No chest pain, no breathlessness, no swelling, just a sore calf after football yesterday. Stretches?', { level: 'none' }],
    ],
  },
  {
    topic: 'feet cold outdoors that warm up normally (one that never warms up still gets them; a white one escalates)',
    cases: [
      ['work outside all winter, my feet get freezing by lunch but once I get in the van they warm back up fine', { level: 'none', screen: false }],
      ['my left foot is cold, it never warms up even by the fire', { level: 'none', screen: true }],
      ["my foot went cold and white an hour ago and it won't warm up", { level: 'emergency' }],
    ],
  },
])('safety questions: $topic', ({ cases }) => {
  it.each(cases)('%s', (text, expected) => {
    expect(triage.assess(text)).toMatchObject(expected);
  });
});

describe('the classifier does not raise a course told as gradual to an emergency (keep_rules_level_with)', () => {
  const rulesOnly = loadTriage('triage', { detector: false });
  // a detector that reads an emergency in everything; only mayRaise differs
  const sure = (mayRaise: boolean) => ({
    detect: () => ({ verdict: 'escalate' as const, probability: 0.95, condition: 'neuro_deficit', conditionProbability: 0.9, level: 'emergency' as const, enoughAlone: true, mayRaise }),
  });
  const gradual = 'my right foot has been getting weaker and slapping down over the last six weeks, it came on slowly';

  it('the real detector allows the raise unless the message tells a gradual onset', () => {
    const detector = loadDetector(rulesOnly.lexicon, 'triage');
    expect(detector.detect(gradual).mayRaise).toBe(false);
    expect(detector.detect('I woke up this morning and cannot lift my right foot at all').mayRaise).toBe(true);
  });
  it('an urgent foot drop told as gradual stays urgent; the same detector raises it when it may', () => {
    expect(rulesOnly.assess(gradual).level).toBe('urgent');
    expect(createTriage(rulesOnly.lexicon, rulesOnly.wording, { detector: sure(false) }).assess(gradual).level).toBe('urgent');
    expect(createTriage(rulesOnly.lexicon, rulesOnly.wording, { detector: sure(true) }).assess(gradual).level).toBe('emergency');
  });
  it('a settings file naming a concept the lexicon does not have stops loading, naming the file and the concept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'calfbot-detector-'));
    mkdirSync(join(dir, 'detector'));
    copyFileSync('triage/detector/train.yaml', join(dir, 'detector', 'train.yaml'));
    const settings = readFileSync('triage/detector/settings.yaml', 'utf8');
    const misspelt = settings.replace(/keep_rules_level_with: \[gradual_course\b/, 'keep_rules_level_with: [gradual_corse');
    expect(misspelt).not.toBe(settings);
    writeFileSync(join(dir, 'detector', 'settings.yaml'), misspelt);
    expect(() => loadDetector(rulesOnly.lexicon, dir)).toThrow(/settings\.yaml: keep_rules_level_with names concepts the lexicon does not have: gradual_corse/);
  });
});

describe('a check the message reports keeps the classifier from escalating that condition alone', () => {
  it('a snap that was a lace, with hopping and tiptoe fine, is set aside for the detector', () => {
    const text = 'somebody heard a snap when I jumped but it was my shoelace breaking, I can hop and tiptoe fine';
    expect(triage.analyse(text).discounted).toContain('rupture');
    expect(triage.assess(text).level).toBe('none');
  });
  it('the same snap with tiptoe gone still escalates', () => {
    expect(triage.assess('heard a snap at the back of my heel when I jumped and now I cannot go up on my toes').level).toBe('urgent');
  });
});

describe('sepsis, Raynaud\'s and bruised toenails', () => {
  it('a red, swollen leg with new confusion is an emergency', () => {
    expect(triage.assess("grandad's leg is red and swollen and today he's gone all muddled, not making sense").level).toBe('emergency');
  });
  it('known Raynaud\'s in the cold, as always, is not a leg losing its blood; a white foot without it is', () => {
    expect(triage.assess("Raynaud's for years, my toes go white in the cold and then red as they warm up, same as always").level).toBe('none');
    expect(triage.assess('my toes have gone white and cold this morning').level).toBe('emergency');
  });
  it('a black toenail with blood under the nail is a bruise', () => {
    expect(triage.assess('toenail went black after the marathon, blood under the nail, no pain').level).toBe('none');
  });
});

describe('other people, tired legs and questions are not signs; the same words as a sign still are', () => {
  it.each([
    'my mate got a blood clot from gaming all night, my legs are fine, any stretches between games?',
    'legs feel dead after a 12 hour shift, what helps?',
    'fell last week and hit my calf, the purple mark is more yellow now and smaller, can I go to the gym?',
  ])('%s → none', (text) => {
    expect(triage.assess(text).level).toBe('none');
  });
  it.each([
    ['my leg suddenly went dead and I cannot move it', 'emergency'],
    ['cast off on monday and the calf is warm, tight and hurts, is that normal after a cast?', 'urgent'],
  ])('%s → %s', (text, level) => {
    expect(triage.assess(text).level).toBe(level);
  });
});

describe('clinicians\' shorthand', () => {
  it.each([
    ['Practice nurse: 45M, palpable gap Achilles, +ve Simmonds, unable to SLHR', 'urgent'],
    ['post-op day 3, new tachy 120, RR 28, SpO2 88%, L calf swollen', 'emergency'],
    ['direct blow to the calf 3h ago, compartment woody, pain 9/10 and escalating, paraesthesia in the foot', 'emergency'],
    ['athlete with Achilles tendinopathy, Thompson -ve, no palpable gap, stiff in the morning', 'none'],
    ['pulses palpable both feet, ABPI 1.1, calves a bit stiff', 'none'],
    ['US duplex neg for DVT, suspected calf strain', 'none'],
  ])('%s → %s', (text, level) => {
    expect(triage.assess(text).level).toBe(level);
  });
});

describe('a turn\'s second look reuses its own analysis', () => {
  // Between a turn's assessment and its look across messages, other conversations' messages are
  // triaged (the turn awaits its state): the analysis must follow the turn's own result, and give
  // exactly what a fresh analysis gives.
  const lexicon = loadLexicon('triage');
  const matcher = new Matcher(lexicon);
  const counted = createTriage(lexicon, loadWording('triage'), { matcher });
  const fresh = createTriage(lexicon, loadWording('triage'));
  const mine = 'since the op on tuesday my calf is tight';
  const earlier = ['swelling', 'calf_or_leg'];

  it('analyses the message once, even with other messages assessed in between', async () => {
    const own = await counted.assessAsync!(mine);
    counted.assess('my other leg is fine, thanks');
    const analyse = vi.spyOn(matcher, 'analyse');
    const across = counted.assessAcross!(mine, earlier, [], own);
    const withEarlier = counted.assessWithEarlier!(mine, earlier, own);
    expect(analyse).not.toHaveBeenCalled();
    expect(across).toEqual(fresh.assessAcross!(mine, earlier, []));
    expect(withEarlier).toEqual(fresh.assessWithEarlier!(mine, earlier));
    analyse.mockRestore();
  });

  it('analyses afresh when the result given is not this message\'s', () => {
    const other = counted.assess('my other leg is fine, thanks');
    const analyse = vi.spyOn(matcher, 'analyse');
    expect(counted.assessAcross!(mine, earlier, [], other)).toEqual(fresh.assessAcross!(mine, earlier, []));
    expect(analyse).toHaveBeenCalledTimes(1);
    analyse.mockRestore();
  });
});

/**
 * Each dialog tree walked end to end through the MainDialog, with a fake recognizer.
 * Expected replies come from the YAML by key (node(...)), never retyped.
 */
import type { Activity } from 'botbuilder';
import { DialogTurnStatus } from 'botbuilder-dialogs';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../src/config';
import { content, f, harness, node, texts } from './dialogsHarness';

const nlu = {
  'knee to wall test': 'selftest_ankle_wall',
  'what causes calf pain': 'causes_overview',
  'squat test': 'selftest_squat',
  'heel raise test': 'selftest_calf_raise',
  'my calves are tight': 'calf_tightness',
  'tight calves back pain': 'back_pain_link',
  'book an appointment': 'book_appointment',
  'could it be a clot': 'dvt',
  'calf stretches': 'stretches',
  'foam rolling': 'foam_rolling',
  'knot in my calf': 'calf_knot',
  'strengthening exercises': 'strengthening',
  'home programme': 'calf_tightness',
};
const meta = (r: Partial<Activity>): { intent?: string | null; urgency?: string; sources?: unknown; redFlags?: string[] } => (r.channelData ?? {}) as never;
/** The highest urgency of a turn's replies and the red-flag rules they name. */
const urgencyOf = (r: Partial<Activity>[]): string => ['emergency', 'urgent', 'none'].find((u) => r.some((x) => meta(x).urgency === u)) ?? 'none';
/** The rule ids of the red flags on replies (channelData carries them as condition/rule). */
const flagsOf = (r: Partial<Activity>[]): string[] => r.flatMap((x) => (meta(x).redFlags ?? []).map((f) => f.split('/').pop() ?? f));

describe('wall ankle-mobility test', () => {
  it('set-up, movement, each side, and what limited dorsiflexion and a difference mean', async () => {
    const h = harness(nlu);
    let r = await h.turn('knee to wall test');
    expect(texts(r)).toContain(node('selftest_ankle_wall', 'setup', 'message').text[1]);
    expect(texts(r)).toContain(node('selftest_ankle_wall', 'movement', 'message').text[0]);
    expect(texts(r)).toContain(node('selftest_ankle_wall', 'left', 'choice').prompt);
    expect(meta(r[0]!).sources).toEqual(node('selftest_ankle_wall', 'setup', 'message').sources);
    expect(r.every((x) => meta(x).intent === 'selftest_ankle_wall')).toBe(true);
    r = await h.turn('1');
    expect(texts(r)).toContain(node('selftest_ankle_wall', 'right', 'choice').prompt);
    r = await h.turn("No, heel lifted or knee didn't reach");
    expect(texts(r)).toContain(node('selftest_ankle_wall', 'difference', 'confirm').prompt);
    r = await h.turn('yes');
    expect(texts(r)).toContain(node('selftest_ankle_wall', 'result_limited', 'message').text[0]);
    expect(texts(r)).toContain(node('selftest_ankle_wall', 'result_difference', 'message').text[0]);
    expect(texts(r)).toContain(node('selftest_ankle_wall', 'follow_up', 'choice').prompt);
    expect(texts(r)).not.toContain(node('selftest_ankle_wall', 'result_good', 'message').text[0]);
  });

  it('both sides touching and no difference: the good result only', async () => {
    const h = harness(nlu);
    await h.turn('knee to wall test');
    await h.turn('yes');
    await h.turn('Yes, knee touched');
    const r = await h.turn('no');
    expect(texts(r)).toContain(node('selftest_ankle_wall', 'result_good', 'message').text[0]);
    expect(texts(r)).not.toContain(node('selftest_ankle_wall', 'result_difference', 'message').text[0]);
    expect(h.client.dialogTurnResult.status).toBe(DialogTurnStatus.waiting);
    expect(texts(await h.turn("That's all, thanks"))).toContain(node('selftest_ankle_wall', 'done', 'end').text);
    expect(h.client.dialogTurnResult.status).toBe(DialogTurnStatus.complete);
  });
});

describe("what's causing my calf pain", () => {
  const start = async (where: string, how: string) => {
    const h = harness(nlu);
    const first = await h.turn('what causes calf pain');
    expect(texts(first)).toContain(node('causes_overview', 'overview', 'message').text[0]);
    expect(texts(first)).toContain(node('causes_overview', 'where', 'choice').prompt);
    expect(texts(await h.turn(where))).toContain(node('causes_overview', 'how', 'choice').prompt);
    return { h, r: await h.turn(how) };
  };

  it('asks the DVT checks, then explains the causes that fit with next steps', async () => {
    const { h, r } = await start('behind the knee', '2');
    expect(texts(r)).toContain(node('causes_overview', 'dvt_swelling', 'confirm').prompt);
    expect(texts(await h.turn('no'))).toContain(node('causes_overview', 'dvt_red_warm', 'confirm').prompt);
    expect(texts(await h.turn('no'))).toContain(node('causes_overview', 'dvt_risk', 'confirm').prompt);
    expect(texts(await h.turn('no'))).toContain(node('causes_overview', 'colour_check', 'confirm').prompt);
    const end = await h.turn('no');
    expect(texts(end)).toContain(node('causes_overview', 'where_upper', 'message').text[0]);
    expect(texts(end)).toContain(node('causes_overview', 'how_gradual', 'message').text[0]);
    expect(texts(end)).toContain(node('causes_overview', 'next_steps', 'choice').prompt);
    expect(end.every((x) => meta(x).urgency === 'none' && meta(x).intent === 'causes_overview')).toBe(true);
  });

  it('a "yes" to a DVT check escalates as urgent and ends the tree', async () => {
    const { h } = await start('Middle of the calf', 'suddenly during sport');
    const r = await h.turn('yes');
    expect(r.some((x) => meta(x).urgency === 'urgent')).toBe(true);
    expect(texts(r)).not.toContain(node('causes_overview', 'where_middle', 'message').text[0]);
    // The tree has ended: the next message is routed afresh, and a self-test is held back while escalated.
    expect(h.client.dialogTurnResult.status).toBe(DialogTurnStatus.complete);
    expect(texts(await h.turn('book an appointment'))).not.toMatch(/Not until you have been checked/);
    const test = texts(await h.turn('knee to wall test'));
    expect(test).not.toContain(node('selftest_ankle_wall', 'setup', 'message').text[1]);
    expect(test).toMatch(/Not until you have been checked/);
  });

  it('a foot that changed colour or went pale or cold is an emergency, as when typed', async () => {
    const { h } = await start('behind the knee', '2');
    for (let i = 0; i < 3; i++) expect(urgencyOf(await h.turn('no'))).toBe('none');
    const r = await h.turn('yes');
    expect(urgencyOf(r)).toBe('emergency');
    expect(flagsOf(r)).toEqual(['limb_colour_change']);
    expect(texts(r)).not.toContain(node('causes_overview', 'where_upper', 'message').text[0]);
  });

  it('each DVT check names the red-flag rule of its sign', async () => {
    for (const [noes, rule] of [[0, 'swelling_with_signs'], [1, 'red_or_warm_calf'], [2, 'after_immobility']] as const) {
      const { h } = await start('Middle of the calf', 'suddenly during sport');
      for (let i = 0; i < noes; i++) await h.turn('no');
      const r = await h.turn('yes');
      expect(urgencyOf(r), rule).toBe('urgent');
      expect(flagsOf(r), rule).toEqual([rule]);
    }
  });

  it('pain on walking that eases with rest (claudication) is urgent', async () => {
    const { r } = await start('3', 'When walking, easing with rest');
    expect(texts(r)).toContain(node('causes_overview', 'explain_walking', 'message').text[0]);
    expect(r.at(-1)!.channelData).toMatchObject({ urgency: 'urgent', redFlags: ['peripheral_arterial_disease/claudication_pattern'] });
    expect(r.at(-1)!.attachments?.[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
  });

  it('twitching and nerve symptoms lead to their explanations', async () => {
    for (const [how, key] of [['with twitching', 'how_twitching'], ['pins and needles', 'how_nerve'], ['at night', 'how_night']] as const) {
      const { h } = await start('lower', how);
      for (let i = 0; i < 3; i++) await h.turn('no');
      const r = await h.turn('no');
      expect(texts(r)).toContain(node('causes_overview', 'where_lower', 'message').text[0]);
      expect(texts(r)).toContain(node('causes_overview', key, 'message').text[0]);
    }
  });
});

describe('blood clot (DVT) answer', () => {
  it('explains, then screens with yes/no questions; all "no" ends with a safety net, not an escalation', async () => {
    const prompts = ['breathless_check', 'colour_check', 'swelling_check', 'red_warm_check', 'risk_check'].map((id) => node('dvt', id, 'confirm').prompt);
    const h = harness(nlu);
    let r = await h.turn('could it be a clot');
    expect(texts(r)).toContain(node('dvt', 'answer', 'message').text[0]);
    expect(texts(r)).toContain(prompts[0]);
    expect(urgencyOf(r)).toBe('none');
    for (const next of prompts.slice(1)) {
      r = await h.turn('no');
      expect(texts(r)).toContain(next);
      expect(urgencyOf(r)).toBe('none');
    }
    r = await h.turn('no');
    expect(texts(r)).toContain(f(node('dvt', 'safety_net', 'message').text[1]!));
    expect(texts(r)).toContain(f('Call {emergencyNumber} straight away if you become short of breath'));
    expect(r.every((x) => meta(x).urgency === 'none')).toBe(true);
    expect(flagsOf(r)).toEqual([]);
    expect(texts(r)).not.toContain('Please get medical advice today');
  });

  it('"yes" to a swollen calf escalates as urgent; breathlessness or a pale, cold foot as an emergency', async () => {
    for (const [noes, level, rule] of [[0, 'emergency', 'breathless'], [1, 'emergency', 'limb_colour_change'], [2, 'urgent', 'swelling_with_signs'],
      [3, 'urgent', 'red_or_warm_calf'], [4, 'urgent', 'after_immobility']] as const) {
      const h = harness(nlu);
      await h.turn('could it be a clot');
      for (let i = 0; i < noes; i++) await h.turn('no');
      const r = await h.turn('yes');
      expect(urgencyOf(r), rule).toBe(level);
      expect(flagsOf(r), rule).toEqual([rule]);
      expect(texts(r), rule).not.toContain(node('dvt', 'safety_net', 'message').text[0]);
    }
  });
});

describe('heels-flat squat test', () => {
  it('explains what lifting heels suggests', async () => {
    const h = harness(nlu);
    const r = await h.turn('squat test');
    expect(texts(r)).toContain(node('selftest_squat', 'how_to', 'message').text[0]);
    expect(texts(await h.turn('my heels lifted'))).toContain(node('selftest_squat', 'result_heels', 'message').text[0]);
  });
  it('explains what a rounding back suggests', async () => {
    const h = harness(nlu);
    await h.turn('squat test');
    expect(texts(await h.turn('3'))).toContain(node('selftest_squat', 'result_back', 'message').text[0]);
  });
});

describe('single-leg heel-raise test', () => {
  const raise = node('selftest_calf_raise', 'left_count', 'number');

  it('validates the count (0–100) with a retry prompt, then leads weak legs to strengthening', async () => {
    const h = harness(nlu);
    expect(texts(await h.turn('heel raise test'))).toContain(raise.prompt);
    expect(texts(await h.turn('lots'))).toContain(raise.retry);
    expect(texts(await h.turn('150'))).toContain(raise.retry);
    expect(texts(await h.turn('32'))).toContain(node('selftest_calf_raise', 'right_count', 'number').prompt);
    const r = await h.turn('twelve');
    expect(texts(r)).toContain(f(node('selftest_calf_raise', 'result_low', 'message').text[0]!, { left_count: 32, right_count: 12 }));
    expect(texts(r)).toContain(node('strengthening', 'answer', 'message').text[0]);
    expect(meta(r.at(-1)!).intent).toBe('strengthening');
  });

  it('30 or more on each leg is good strength and endurance', async () => {
    const h = harness(nlu);
    await h.turn('heel raise test');
    await h.turn('30');
    const r = await h.turn('33');
    expect(texts(r)).toContain(f(node('selftest_calf_raise', 'result_good', 'message').text[0]!, { left_count: 30, right_count: 33 }));
    expect(texts(r)).not.toContain(node('strengthening', 'answer', 'message').text[0]);
  });

  it('0 heel raises on either leg leads to the rupture check, not to strengthening', async () => {
    for (const [left, right] of [['0', '25'], ['40', '0']] as const) {
      const h = harness(nlu);
      await h.turn('heel raise test');
      await h.turn(left);
      let r = await h.turn(right);
      expect(texts(r)).toContain(node('selftest_calf_raise', 'rupture_pop', 'confirm').prompt);
      expect(texts(r)).not.toContain(node('strengthening', 'answer', 'message').text[0]);
      expect(texts(await h.turn('no'))).toContain(node('selftest_calf_raise', 'rupture_tiptoe', 'confirm').prompt);
      r = await h.turn('no');
      expect(texts(r)).toContain(f(node('selftest_calf_raise', 'result_none', 'message').text[0]!, { left_count: Number(left), right_count: Number(right) }));
      expect(texts(r)).not.toContain(node('strengthening', 'answer', 'message').text[0]);
      expect(urgencyOf(r)).toBe('none');
    }
  });

  it('a pop at the start, or no tiptoe at all on that leg, escalates as urgent', async () => {
    for (const [noes, rule] of [[0, 'possible_rupture'], [1, 'tiptoe_inability']] as const) {
      const h = harness(nlu);
      await h.turn('heel raise test');
      await h.turn('0');
      await h.turn('0');
      for (let i = 0; i < noes; i++) await h.turn('no');
      const r = await h.turn('yes');
      expect(urgencyOf(r), rule).toBe('urgent');
      expect(flagsOf(r), rule).toEqual([rule]);
      expect(texts(r)).not.toContain(node('strengthening', 'answer', 'message').text[0]);
      expect(h.client.dialogTurnResult.status, rule).toBe(DialogTurnStatus.complete);
    }
  });

  it('a clear difference between legs leads to strengthening', async () => {
    const h = harness(nlu);
    await h.turn('heel raise test');
    await h.turn('45');
    const r = await h.turn('31');
    expect(texts(r)).toContain(f(node('selftest_calf_raise', 'result_difference', 'message').text[0]!, { left_count: 45, right_count: 31 }));
    expect(texts(r)).toContain(node('strengthening', 'answer', 'message').text[0]);
  });
});

describe('answers that are unsafe with a red flag carry their own warning', () => {
  // Stretching, rolling, massage, strength work and the self-tests: each answer says,
  // in the same message, not to do it on a swollen, red, warm or very painful calf.
  const warning = (t: string): boolean => /swollen, red,? (or )?warm/i.test(t) && /(checked|assessed) (first|by a clinician|before)/i.test(t);
  for (const ask of ['calf stretches', 'foam rolling', 'knot in my calf', 'strengthening exercises', 'heel raise test', 'squat test', 'knee to wall test']) {
    it(`"${ask}"`, async () => {
      const r = await harness(nlu).turn(ask);
      expect(urgencyOf(r)).toBe('none');
      expect(warning(texts(r)), texts(r)).toBe(true);
      expect(texts(r)).toMatch(/recent operation|long journey/);
    });
  }

  it('the home programme warns on its first step', async () => {
    const h = harness(nlu);
    await h.turn('home programme');
    const r = await h.turn('yes, show me the steps');
    expect(texts(r)).toContain(node('calf_tightness', 'step_1', 'message').title);
    expect(warning(texts(r))).toBe(true);
  });
});

describe('home programme for tight calves', () => {
  it('shows the steps one at a time with next, to the end', async () => {
    const h = harness(nlu);
    expect(texts(await h.turn('my calves are tight'))).toContain(node('calf_tightness', 'why', 'message').text[0]);
    let r = await h.turn('1');
    expect(texts(r)).toContain(node('calf_tightness', 'step_1', 'message').title);
    expect(r[0]!.attachments?.length).toBe(1);
    for (const n of [2, 3, 4, 5, 6]) {
      r = await h.turn('next');
      expect(texts(r)).toContain(node('calf_tightness', `step_${n}`, 'message').text[0]);
      expect(texts(r)).not.toContain(node('calf_tightness', `step_${n + 1 > 6 ? 1 : n + 1}`, 'message').text[0]);
    }
    expect(texts(r)).toContain(node('calf_tightness', 'finished', 'message').text[0]);
  });

  it('"done" stops the programme', async () => {
    const h = harness(nlu);
    await h.turn('my calves are tight');
    await h.turn('yes, show me the steps');
    const r = await h.turn('done');
    expect(texts(r)).toContain(node('calf_tightness', 'done', 'end').text);
    expect(h.client.dialogTurnResult.status).toBe(DialogTurnStatus.complete);
    expect(texts(r)).not.toContain(node('calf_tightness', 'step_2', 'message').text[0]);
  });
});

describe('why tight calves cause back, hip or knee pain', () => {
  it('answers the back link directly, then explains the chain and the hip', async () => {
    const h = harness(nlu);
    let r = await h.turn('tight calves back pain');
    expect(texts(r)).toContain(node('kinetic_chain', 'back', 'message').text[0]);
    expect(meta(r[0]!).intent).toBe('back_pain_link');
    r = await h.turn('How the chain works');
    expect(texts(r)).toContain(node('kinetic_chain', 'chain', 'message').text[1]);
    expect(texts(await h.turn('hip'))).toContain(node('kinetic_chain', 'hip', 'message').text[0]);
  });
});

describe('booking and human contact', () => {
  it('uses the clinic name, phone and booking link from config', async () => {
    const cfg = testConfig({ CLINIC_NAME: 'Test Physio', CLINIC_PHONE: '+1 555 0100', CLINIC_BOOKING_URL: 'https://clinic.test/book' });
    const h = harness(nlu, { config: cfg });
    const r = await h.turn('book an appointment');
    const t = texts(r);
    expect(t).toContain('Test Physio');
    expect(t).toContain('+1 555 0100');
    expect(t).toContain('https://clinic.test/book');
    expect(t).not.toMatch(/\{\w+\}/);
    expect(JSON.stringify(r[0]!.attachments)).toContain('https://clinic.test/book');
  });
});

describe('every intent', () => {
  it('has a sourced answer (or small talk) carrying its intent', async () => {
    for (const [intent, dialogId] of Object.entries(content.intentDialog)) {
      const h = harness({ ask: intent });
      const r = await h.turn('ask');
      expect(r.length, intent).toBeGreaterThan(0);
      expect(meta(r[0]!).intent, intent).toBe(intent);
      const file = content.dialogs.find((d) => d.id === dialogId)!;
      if (file.sourced) expect(r.some((x) => Array.isArray(meta(x).sources)), intent).toBe(true);
    }
  });
});

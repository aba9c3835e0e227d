/**
 * triage/escalation.yaml as an operator edits it: a broken file stops the bot at start-up
 * with a message that names the field, and the screening set asked follows the conditions
 * triage screened for.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTriage } from '../src/triage';
import { loadLexicon } from '../src/triage/lexicon';
import { parseWording, screeningSetFor, type Wording } from '../src/triage/wording';

const raw = (): Wording => parse(readFileSync('triage/escalation.yaml', 'utf8')) as Wording;
const real = parseWording(raw());

describe('the escalation wording', () => {
  it('loads the shipped file', () => {
    expect(real.screening.sets.map((s) => s.id)).toEqual(['breathing', 'nerves', 'strength', 'pain', 'clot']);
    // every set says what to act on when the user goes on without answering, with the emergency number
    for (const set of real.screening.sets) expect(set.skipped, set.id).toMatch(/\{emergencyNumber\}/);
  });

  it('asks the breathing questions for a screened embolism, the strength questions for a loss of power or feeling, the pain questions for a knock, a pop or a sudden pain, the clot questions otherwise', () => {
    expect(screeningSetFor(real.screening, ['pulmonary_embolism']).id).toBe('breathing');
    expect(screeningSetFor(real.screening, ['neuro_deficit']).id).toBe('strength');
    for (const c of ['compartment_syndrome', 'rupture', 'sudden_severe_pain']) expect(screeningSetFor(real.screening, [c]).id, c).toBe('pain');
    expect(screeningSetFor(real.screening, ['possible_clot_screen', 'pulmonary_embolism']).id).toBe('breathing');
    expect(screeningSetFor(real.screening, ['possible_clot_screen']).id).toBe('clot');
    expect(screeningSetFor(real.screening, []).id).toBe('clot');
  });

  it('refuses two sets without "for": the bot could not tell which to ask', () => {
    const w = raw();
    w.screening.sets[0] = { ...w.screening.sets[0]!, for: [] };
    expect(() => parseWording(w)).toThrow(/screening\.sets: exactly one set must have no "for".*found 2/);
  });

  it('refuses a question id used twice: a "yes" must say which question it answered', () => {
    const w = raw();
    const [breathing, second] = w.screening.sets;
    second!.questions[0] = { ...second!.questions[0]!, id: breathing!.questions[0]!.id };
    expect(() => parseWording(w)).toThrow(/screening\.sets\.1\.questions\.0\.id: question id "breathless_now_or_suddenly" is used twice/);
  });

  it('refuses a screening set for a condition the lexicon does not have, naming the set', () => {
    const w = raw();
    w.screening.sets[0] = { ...w.screening.sets[0]!, for: ['pulmonary_embolsim'] };
    expect(() => createTriage(loadLexicon('triage'), parseWording(w))).toThrow(/screening set "breathing": unknown condition "pulmonary_embolsim"/);
  });

  it('refuses a take-back limit for a condition the lexicon does not have: a typo there would let breathlessness be taken back', () => {
    const w = raw();
    w.after_escalation.taken_back.never_for = ['pulmonary_embolsim'];
    expect(() => createTriage(loadLexicon('triage'), parseWording(w))).toThrow(/taken_back\.never_for: unknown condition "pulmonary_embolsim"/);
  });

  it('refuses "soon" on the emergency card', () => {
    const w = raw();
    w.cards.emergency.paragraphs = ['Please see someone soon.'];
    expect(() => parseWording(w)).toThrow(/cards\.emergency: must not say "soon"/);
  });
});

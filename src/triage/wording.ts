/**
 * What the bot says around a red flag (`triage/escalation.yaml`): the urgent and
 * emergency cards, the screening questions, the replies after an escalation and the
 * safety-net line. Validated with zod at start-up; a broken file stops the bot with a
 * message naming the field.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ESCALATION_LEVELS } from '../domain/urgency';
import { regexSource } from './lexicon';

export const WORDING_FILE = 'escalation.yaml';

const text = z.string().trim().min(1, 'must not be empty');
const perLevel = z.strictObject({ urgent: text, emergency: text });

const buttonSchema = z.union([
  z.strictObject({ title: text, call: text }),
  z.strictObject({ title: text, url: text }),
]);

const cardSchema = z.strictObject({
  title: text,
  paragraphs: z.array(text).min(1),
  bullets: z.array(text).default([]),
  buttons: z.array(buttonSchema).min(1, 'an escalation card needs at least one button'),
});

const name = z.string().regex(/^[a-z][a-z0-9_]*$/, 'ids are lower_snake_case');

/** One set of yes/no questions, asked for the warning signs of the conditions it is `for`. */
const screeningSetSchema = z.strictObject({
  id: name,
  /** The conditions whose `screen` rules (or the detector's doubt) bring these questions; none: every other warning sign. */
  for: z.array(name).default([]),
  intro: text,
  questions: z.array(z.strictObject({
    id: name,
    ask: text,
    level: z.enum(ESCALATION_LEVELS),
    condition: name,
  })).min(1).max(4, 'keep screening to at most four questions'),
  all_clear: text,
  /** Said when the user goes on without answering (a new question, or a second reply that is no yes or no): the signs to act on. */
  skipped: text,
});

const screeningSchema = z.strictObject({
  retry: text,
  sets: z.array(screeningSetSchema).min(1),
}).superRefine((s, ctx) => {
  const defaults = s.sets.filter((set) => set.for.length === 0);
  if (defaults.length !== 1) ctx.addIssue({ code: 'custom', path: ['sets'], message: `exactly one set must have no "for" (the questions for every other warning sign); found ${defaults.length}` });
  const seen = new Set<string>();
  s.sets.forEach((set, i) => set.questions.forEach((q, j) => {
    // a "yes" escalates as `screening:<id>`: the id must say which question it was
    if (seen.has(q.id)) ctx.addIssue({ code: 'custom', path: ['sets', i, 'questions', j, 'id'], message: `question id "${q.id}" is used twice` });
    seen.add(q.id);
  }));
});

/** A follow-up recognised by phrases (regular expressions over the normalised text), with its reply per level. */
const byPhrases = z.strictObject({ phrases: z.array(regexSource).min(1), reply: perLevel });
/** A follow-up recognised by single words, with its reply per level. */
const byWords = z.strictObject({ words: z.array(z.string().regex(/^[a-z]+$/)).min(1), reply: perLevel });

const afterSchema = z.strictObject({
  unsafe_request: byWords,
  waiting: byPhrases,
  driving: byPhrases,
  help_coming: byPhrases,
  medicine: byWords,
  worried: byPhrases,
  cleared: z.strictObject({ phrases: z.array(regexSource).min(1), reply: text, after_new_signs: perLevel }),
  /** While an urgent escalation is open: a short yes to the card's emergency signs. */
  confirms_signs: z.strictObject({ phrases: z.array(regexSource).min(1), reply: text }),
  /** The next message takes back the words of a short message that escalated ("not literally lol"). */
  taken_back: z.strictObject({
    max_words: z.number().int().min(1).max(40),
    max_rules: z.number().int().min(1).max(10),
    never_for: z.array(z.string().min(1)),
    phrases: z.array(regexSource).min(1),
    reply: text,
  }),
  reminder: perLevel,
  /** Anything else while an emergency is open: not answered as usual. */
  during_emergency: text,
});

export const wordingSchema = z.strictObject({
  version: z.literal(1),
  cards: z.strictObject({ urgent: cardSchema, emergency: cardSchema }),
  screening: screeningSchema,
  after_escalation: afterSchema,
  safety_net: text,
});

export type Wording = z.infer<typeof wordingSchema>;
export type CardWording = z.infer<typeof cardSchema>;
export type ScreeningWording = z.infer<typeof screeningSchema>;
export type ScreeningSet = z.infer<typeof screeningSetSchema>;

/** The questions for these screened conditions: the first set listed for one of them, else the default set. */
export function screeningSetFor(screening: ScreeningWording, conditions: readonly string[]): ScreeningSet {
  const set = screening.sets.find((s) => s.for.some((c) => conditions.includes(c))) ?? screening.sets.find((s) => s.for.length === 0);
  if (!set) throw new WordingError('screening: no default set (a set without "for")');
  return set;
}
export type AfterEscalationWording = z.infer<typeof afterSchema>;

export class WordingError extends Error {}

export function parseWording(raw: unknown, source = WORDING_FILE): Wording {
  const result = wordingSchema.safeParse(raw);
  if (!result.success) {
    throw new WordingError(result.error.issues.map((i) => `${source}: ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n'));
  }
  const emergency = result.data.cards.emergency;
  const soon = [emergency.title, ...emergency.paragraphs, ...emergency.bullets].find((s) => /\bsoon\b|\btoday\b|\bappointment\b/i.test(s));
  if (soon !== undefined) throw new WordingError(`${source}: cards.emergency: must not say "soon", "today" or "appointment" ("${soon}")`);
  return result.data;
}

export function loadWording(dir = 'triage'): Wording {
  const file = join(dir, WORDING_FILE);
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new WordingError(`${file}: cannot read the escalation wording (${(err as Error).message.split('\n')[0]})`);
  }
  return parseWording(raw, file);
}

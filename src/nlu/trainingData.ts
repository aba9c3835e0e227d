/**
 * Training data: one YAML file per intent in `intents/`, validated with zod.
 *
 * Rules: every `*.yaml`/`*.yml` file in the folder is an intent file and must be valid,
 * (the folder holds nothing else: triage's data lives in `triage/`; its subfolders `reviewed/`
 * and `vocabulary/` are read by withReviewed and src/nlu/variants.ts). A broken file
 * stops loading with an error that names the file; nothing is skipped silently.
 * Every id of the taxonomy (TAXONOMY_INTENTS, src/domain/taxonomy.ts) must have exactly one file, and no file may
 * declare an id outside the taxonomy.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { TAXONOMY_INTENTS } from '../domain/taxonomy';


/** Intents that are conversation management rather than a calf topic. */
export const SOCIAL_INTENTS: readonly string[] = ['greeting', 'goodbye', 'thanks', 'help'];

export const MIN_UTTERANCES = 25;

const utterance = z.string().trim().min(1, 'an utterance is empty').max(500, 'an utterance is longer than 500 characters');

export const intentFileSchema = z
  .object({
    version: z.literal(1, { message: 'version must be 1' }),
    intent: z.string().regex(/^[a-z][a-z0-9_]*$/, 'intent must be a lower-case id such as pain_running'),
    utterances: z.array(utterance).min(MIN_UTTERANCES, `needs at least ${MIN_UTTERANCES} utterances`),
  })
  .strict();

export interface IntentData {
  intent: string;
  utterances: string[];
  file: string;
}

export class TrainingDataError extends Error {}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`).join('; ');
}

/**
 * A YAML file's text parsed and checked against `schema`; on either failure, `fail` gets one
 * message that starts with `label` ("Invalid intent file dvt.yaml") and names the problem.
 */
export function parseYamlFile<S extends z.ZodType>(text: string, schema: S, label: string, fail: (message: string) => Error): z.infer<S> {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw fail(`${label}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const parsed = schema.safeParse(doc);
  if (!parsed.success) throw fail(`${label}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

const trainingError = (message: string): Error => new TrainingDataError(message);

/** Parse and validate one intent file; throws TrainingDataError naming the file. */
export function parseIntentFile(file: string, text: string): IntentData {
  const name = path.basename(file);
  const data = parseYamlFile(text, intentFileSchema, `Invalid intent file ${name}`, trainingError);
  const expected = name.replace(/\.ya?ml$/, '');
  if (data.intent !== expected) {
    throw new TrainingDataError(`Invalid intent file ${name}: declares intent "${data.intent}" but the file must be named after its intent (${data.intent}.yaml)`);
  }
  return { intent: data.intent, utterances: data.utterances, file };
}

export interface LoadOptions {
  /** The ids that must each have a file; defaults to the taxonomy. */
  expectedIds?: readonly string[];
}

/** Load every intent file in `dir`. Throws TrainingDataError (naming the file) on any problem. */
export function loadTrainingData(dir = 'intents', options: LoadOptions = {}): IntentData[] {
  const expectedIds = options.expectedIds ?? TAXONOMY_INTENTS;
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    throw new TrainingDataError(`Cannot read the intents folder ${dir}: ${(err as Error).message}`);
  }
  const files = entries.filter((f) => /\.ya?ml$/.test(f) ).sort();
  const data: IntentData[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const full = path.join(dir, f);
    const item = parseIntentFile(full, fs.readFileSync(full, 'utf8'));
    const other = seen.get(item.intent);
    if (other) throw new TrainingDataError(`Invalid intent file ${f}: intent "${item.intent}" is already defined in ${other}`);
    if (!expectedIds.includes(item.intent)) {
      throw new TrainingDataError(`Invalid intent file ${f}: "${item.intent}" is not an intent of the taxonomy (docs/intents.md)`);
    }
    seen.set(item.intent, f);
    data.push(item);
  }
  const missing = expectedIds.filter((id) => !seen.has(id));
  if (missing.length) throw new TrainingDataError(`Missing intent files in ${dir}: ${missing.map((m) => `${m}.yaml`).join(', ')}`);
  return withReviewed(data, dir);
}

/** Staff-reviewed utterances (`npm run nlu:export-labels`), added to their intent's own file. */
export const REVIEWED_DIR = 'reviewed';

export const reviewedFileSchema = intentFileSchema.extend({
  utterances: z.array(utterance).min(1, 'needs at least one utterance'),
});

/**
 * Adds `<dir>/reviewed/*.yaml` to the intents loaded from `dir` (same format, any number
 * of utterances; the intent must already have its own file). Absent folder: unchanged.
 */
export function withReviewed(data: IntentData[], dir: string): IntentData[] {
  const reviewedDir = path.join(dir, REVIEWED_DIR);
  if (!fs.existsSync(reviewedDir)) return data;
  const out = data.map((d) => ({ ...d, utterances: [...d.utterances] }));
  for (const f of fs.readdirSync(reviewedDir).filter((x) => /\.ya?ml$/.test(x)).sort()) {
    const full = path.join(reviewedDir, f);
    const data = parseYamlFile(fs.readFileSync(full, 'utf8'), reviewedFileSchema, `Invalid reviewed intent file ${REVIEWED_DIR}/${f}`, trainingError);
    if (data.intent !== f.replace(/\.ya?ml$/, '')) throw new TrainingDataError(`Invalid reviewed intent file ${REVIEWED_DIR}/${f}: declares intent "${data.intent}" but is named ${f}`);
    const target = out.find((d) => d.intent === data.intent);
    if (!target) throw new TrainingDataError(`Invalid reviewed intent file ${REVIEWED_DIR}/${f}: "${data.intent}" is not an intent of the taxonomy`);
    const known = new Set(target.utterances.map((u) => u.toLowerCase()));
    for (const u of data.utterances) if (!known.has(u.toLowerCase())) { known.add(u.toLowerCase()); target.utterances.push(u); }
  }
  return out;
}

/** Flatten to (text, intent) examples. */
export function toExamples(data: readonly IntentData[]): { text: string; intent: string }[] {
  return data.flatMap((d) => d.utterances.map((text) => ({ text, intent: d.intent })));
}

const heldoutSchema = z
  .object({
    version: z.literal(1, { message: 'version must be 1' }),
    cases: z.array(z.object({ text: z.string(), intent: z.string().min(1) }).strict()).min(1),
  })
  .strict();

/** Load a labelled case file (`version: 1`, `cases: [{text, intent}]`), e.g. tests/data/heldout.yaml. */
export function loadLabelledCases(file: string): { text: string; intent: string }[] {
  const name = path.basename(file);
  let doc: unknown;
  try {
    doc = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new TrainingDataError(`Invalid case file ${name}: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = heldoutSchema.safeParse(doc);
  if (!parsed.success) throw new TrainingDataError(`Invalid case file ${name}: ${describeIssues(parsed.error)}`);
  return parsed.data.cases;
}

/**
 * Word variants for intent recognition (slang, British spellings, irregular plurals, frequent
 * misspellings), kept as data in intents/vocabulary/variants.yaml and read once, on first use.
 *
 * The file is checked when it is read, and a mistake stops loading with an error that names the
 * file, the group and the word: a key that a message can never contain after clean-up (upper
 * case, punctuation, three repeated letters), a word listed twice, or a replacement that holds a
 * word which is itself replaced (replacement is a single pass, so that word would stay as it is).
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { squeezeRepeats } from '../domain/text';
import { PROJECT_DIR } from '../paths';
import { parseYamlFile } from './trainingData';

/** The folder under intents/ with vocabulary files (not intent files). */
export const VOCABULARY_DIR = 'vocabulary';
export const VARIANTS_FILE = path.join(PROJECT_DIR, 'intents', VOCABULARY_DIR, 'variants.yaml');

const words = z.string().regex(/^[a-z0-9]+( [a-z0-9]+)*$/, 'a replacement is lower-case words separated by single spaces');

export const variantsFileSchema = z
  .object({
    version: z.literal(1, { message: 'version must be 1' }),
    groups: z
      .array(
        z
          .object({
            name: z.string().trim().min(1, 'a group needs a name'),
            words: z.record(z.string(), words).refine((r) => Object.keys(r).length > 0, 'a group needs at least one word'),
          })
          .strict(),
      )
      .min(1, 'needs at least one group'),
  })
  .strict();

export class VariantsError extends Error {}

/** Parse and check a variants file's text; `name` is used in error messages. Throws VariantsError. */
export function parseVariants(text: string, name: string): Map<string, string> {
  const groups = parseYamlFile(text, variantsFileSchema, `Invalid variants file ${name}`, (message) => new VariantsError(message)).groups;
  const map = new Map<string, string>();
  const groupOf = new Map<string, string>();
  for (const group of groups) {
    for (const [key, value] of Object.entries(group.words)) {
      const where = `Invalid variants file ${name}, group "${group.name}", word "${key}"`;
      if (!/^[a-z0-9]+$/.test(key)) throw new VariantsError(`${where}: a message holds only lower-case letters and digits after clean-up`);
      if (squeezeRepeats(key) !== key) throw new VariantsError(`${where}: a message never holds three repeated letters after clean-up; write "${squeezeRepeats(key)}"`);
      if (value === key) throw new VariantsError(`${where}: replaced by itself`);
      const other = groupOf.get(key);
      if (other !== undefined) throw new VariantsError(`${where}: already listed in group "${other}"`);
      groupOf.set(key, group.name);
      map.set(key, value);
    }
  }
  for (const [key, value] of map) {
    const chained = value.split(' ').find((w) => map.has(w));
    if (chained !== undefined) {
      throw new VariantsError(`Invalid variants file ${name}, group "${groupOf.get(key)}", word "${key}": its replacement "${value}" holds "${chained}", which is itself replaced; write the final form`);
    }
  }
  return map;
}

let loaded: Map<string, string> | null = null;

/** The project's variants (a Map, so that a message saying "constructor" finds nothing), read once. */
export function variants(): ReadonlyMap<string, string> {
  if (loaded) return loaded;
  let text: string;
  try {
    text = fs.readFileSync(VARIANTS_FILE, 'utf8');
  } catch (err) {
    throw new VariantsError(`Cannot read the variants file ${VARIANTS_FILE}: ${(err as Error).message}`);
  }
  loaded = parseVariants(text, `intents/${VOCABULARY_DIR}/variants.yaml`);
  return loaded;
}

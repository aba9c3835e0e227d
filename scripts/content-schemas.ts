/**
 * `npm run content:schemas`: JSON Schemas for the content files, generated from the zod
 * schemas the bot validates them with, so an editor checks a YAML file as it is typed
 * (each file's first line names its schema for the YAML language server). `-- --check`
 * only compares; tests/content-schemas.test.ts fails when the committed files differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { dialogFileSchema, systemFileSchema } from '../src/content/schema';
import { intentFileSchema } from '../src/nlu/trainingData';
import { variantsFileSchema } from '../src/nlu/variants';
import { lexiconSchema } from '../src/triage/lexicon';
import { wordingSchema } from '../src/triage/wording';

const SCHEMAS: Record<string, z.ZodType> = {
  'dialog.schema.json': dialogFileSchema,
  'system.schema.json': systemFileSchema,
  'intent.schema.json': intentFileSchema,
  'variants.schema.json': variantsFileSchema,
  'red-flags.schema.json': lexiconSchema,
  'escalation.schema.json': wordingSchema,
};

export function generatedSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [file, schema] of Object.entries(SCHEMAS)) {
    // The input side: what a person writes in the YAML file, before defaults and transforms.
    out[file] = JSON.stringify(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), null, 2) + '\n';
  }
  return out;
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, text] of Object.entries(generatedSchemas())) {
    const path = `schemas/${file}`;
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = '';
    }
    if (current === text) continue;
    stale++;
    if (check) process.stderr.write(`${path} is out of date: run npm run content:schemas\n`);
    else writeFileSync(path, text);
  }
  process.stdout.write(check ? (stale ? '' : 'schemas up to date\n') : `schemas/ written (${stale} changed)\n`);
  process.exitCode = check && stale ? 1 : 0;
}

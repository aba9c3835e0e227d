/**
 * The settings table of docs/configuration.md, generated from the configuration schema
 * (src/config.ts): every key, its default (what an empty environment gives) and its
 * `.describe()` text. `npm run docs:settings` rewrites the table between the markers;
 * `npm run docs:settings -- --check` exits 1 when the committed table is stale
 * (tests/docs.test.ts does the same check).
 */
import fs from 'node:fs';
import path from 'node:path';
import { configSchema } from '../src/config';

export const SETTINGS_FILE = path.join('docs', 'configuration.md');
export const START = '<!-- settings:start -->';
export const END = '<!-- settings:end -->';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function formatDefault(value: unknown): string {
  if (value === undefined || value === '') return 'empty';
  return `\`${String(value)}\``;
}

/** What the generator needs of a schema: its fields' descriptions, and the defaults of an empty environment. */
export interface DescribedSchema {
  shape: Record<string, { description?: string }>;
  parse(env: Record<string, never>): unknown;
}

/** The markdown table: one row per key of the schema, in schema order. Throws if a key has no description. */
export function settingsTable(schema: DescribedSchema = configSchema): string {
  const defaults = schema.parse({}) as Record<string, unknown>;
  const rows = Object.entries(schema.shape).map(([name, field]) => {
    const description = field.description;
    if (!description) throw new Error(`src/config.ts: setting ${name} has no .describe() text; add one so it can be documented`);
    return `| \`${name}\` | ${cell(formatDefault(defaults[name]))} | ${cell(description)} |`;
  });
  return ['| variable | default | what it does |', '|---|---|---|', ...rows].join('\n');
}

/** The document with its table replaced by `table`. Throws if the markers are missing or out of order. */
export function withTable(doc: string, table: string, file = SETTINGS_FILE): string {
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${file}: needs ${START} followed by ${END} around the settings table`);
  return `${doc.slice(0, a + START.length)}\n${table}\n${doc.slice(b)}`;
}

function main(argv: string[]): number {
  const doc = fs.readFileSync(SETTINGS_FILE, 'utf8');
  const next = withTable(doc, settingsTable());
  if (argv.includes('--check')) {
    if (next === doc) return 0;
    console.error(`${SETTINGS_FILE}: the settings table is out of date; run npm run docs:settings`);
    return 1;
  }
  if (next !== doc) fs.writeFileSync(SETTINGS_FILE, next);
  console.log(`${SETTINGS_FILE}: ${Object.keys(configSchema.shape).length} settings`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

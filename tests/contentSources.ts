/**
 * Finding the clinic's source documents for the content tests: $SOURCES_DIR, else
 * ../shared/seeds next to the repository. Missing documents skip those tests with a
 * message, except under CI=true, where they fail.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..');
export const sourcesDir = process.env.SOURCES_DIR ?? path.resolve(repoRoot, '../shared/seeds');
export const contentNotes = process.env.CONTENT_NOTES ?? path.resolve(repoRoot, '../shared/CONTENT-NOTES.md');
export const inCI = process.env.CI === 'true';

/** Returns a reason to skip, or undefined when the file exists. Throws under CI. */
export function missing(file: string, what: string): string | undefined {
  if (existsSync(file)) return undefined;
  const msg = `${what} not found at ${file} (set SOURCES_DIR / CONTENT_NOTES, or check out ../shared)`;
  if (inCI) throw new Error(`${msg}; required under CI=true`);
  console.warn(`SKIPPED: ${msg}`);
  return msg;
}

export function readDoc(name: string): string {
  return readFileSync(path.join(sourcesDir, name), 'utf8');
}

/** A line as a heading: without list numbering, bullets or the FAQ arrow. */
export function headingOf(line: string): string {
  return line.trim().replace(/^[•*-]\s*/, '').replace(/^\d+\.\s*/, '').replace(/\s*›$/, '').trim();
}

/** The "the document says" column of the errors table in CONTENT-NOTES.md. */
export function parseErrorTable(markdown: string): string[] {
  const section = markdown.split(/^## Known errors.*$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = section.split('\n').filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l)).slice(1);
  return rows.flatMap((r) => [...(r.split('|')[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]!));
}

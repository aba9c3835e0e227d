/**
 * Source documents as people see them: the title of each file in the clinic's
 * sources (from `dialogs/_sources.yaml`) and the one way a citation is written,
 * "Calf pain: causes and treatment — Calf Strain/Tear", shared by the replies,
 * the terminal chat and the staff console. A file without a title fails loudly.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';

export interface SourceRef {
  document: string;
  section: string;
}

const sourcesFileSchema = z.strictObject({
  version: z.literal(1),
  documents: z.record(
    z.string().regex(/^[0-9]{3}_[0-9a-f]{16}\.txt$/, 'must be a file name in shared/seeds'),
    z.string().trim().min(1, 'a document needs a title'),
  ),
});

export const SOURCES_FILE = '_sources.yaml';

export type SourceTitles = ReadonlyMap<string, string>;

export function loadSourceTitles(dir = 'dialogs'): SourceTitles {
  const file = path.join(dir, SOURCES_FILE);
  const parsed = sourcesFileSchema.safeParse(YAML.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return new Map(Object.entries(parsed.data.documents));
}

/** "Title — Section"; throws when the document has no title (a content error, never shown as a file name). */
export function citation(ref: SourceRef, titles: SourceTitles): string {
  const title = titles.get(ref.document);
  if (title === undefined) throw new Error(`source ${ref.document} has no title in dialogs/_sources.yaml`);
  return `${title} — ${ref.section}`;
}

/**
 * The short line under an answer: "From: Title — Section", sections of one document
 * together ("From: Title — Section A, Section B"), documents apart ("; ").
 */
export function sourcesLine(refs: readonly SourceRef[], titles: SourceTitles): string {
  const byDocument = new Map<string, string[]>();
  for (const ref of refs) {
    const title = citation(ref, titles).slice(0, -(ref.section.length + 3));
    const sections = byDocument.get(title) ?? [];
    if (!sections.includes(ref.section)) sections.push(ref.section);
    byDocument.set(title, sections);
  }
  return `From: ${[...byDocument].map(([title, sections]) => `${title} — ${sections.join(', ')}`).join('; ')}`;
}

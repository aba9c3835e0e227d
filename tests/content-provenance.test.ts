/**
 * Provenance: every answer names a document and a heading that really occurs in it,
 * and no answer copies a sentence from the documents (8 words in a row).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileTexts } from '../src/content/validate';
import { content } from './dialogsHarness';
import { headingOf, missing, readDoc, sourcesDir } from './contentSources';

const skip = missing(sourcesDir, 'Source documents');
const words = (t: string): string[] => t.toLowerCase().replace(/[’']/g, "'").split(/[^a-z0-9']+/).filter(Boolean);

describe.skipIf(!!skip)('provenance', () => {
  const docs = skip ? [] : readdirSync(sourcesDir).filter((f) => f.endsWith('.txt'));

  it('finds the five documents', () => {
    expect(docs.length).toBeGreaterThanOrEqual(5);
  });

  it('every cited section heading occurs in its document', () => {
    const bad: string[] = [];
    for (const d of content.dialogs) for (const n of d.nodes) {
      if (n.kind !== 'message') continue;
      for (const s of n.sources ?? []) {
        if (!existsSync(path.join(sourcesDir, s.document))) { bad.push(`${d.file} ${n.id}: no document ${s.document}`); continue; }
        const headings = readDoc(s.document).split('\n').map(headingOf);
        if (!headings.includes(s.section)) bad.push(`${d.file} node '${n.id}': "${s.section}" is not a heading in ${s.document}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('every node of a sourced file that answers names at least one source', () => {
    for (const d of content.dialogs.filter((x) => x.sourced)) for (const n of d.nodes) {
      if (n.kind === 'message') expect(n.sources?.length, `${d.file} ${n.id}`).toBeGreaterThan(0);
    }
  });

  it('no answer copies 8 words in a row from a document', () => {
    const shingles = new Set<string>();
    for (const doc of docs) {
      const w = words(readDoc(doc));
      for (let i = 0; i + 8 <= w.length; i++) shingles.add(w.slice(i, i + 8).join(' '));
    }
    const copied: string[] = [];
    for (const d of content.dialogs) for (const { node, text } of fileTexts(d)) {
      const w = words(text);
      for (let i = 0; i + 8 <= w.length; i++) {
        const s = w.slice(i, i + 8).join(' ');
        if (shingles.has(s)) copied.push(`${d.file} ${node}: "${s}"`);
      }
    }
    expect(copied).toEqual([]);
  });
});

/**
 * Safety of wording: no reply repeats a translation error from document 004 (the
 * "the document says" column of CONTENT-NOTES.md, plus a committed copy), names a
 * medicine or dose, or promotes another clinic's products. Checked on every text in
 * the data and on the replies of a walk through every dialog.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Activity } from 'botbuilder';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fileTexts } from '../src/content/validate';
import { contentNotes, missing, parseErrorTable, repoRoot } from './contentSources';
import { content, harness } from './dialogsHarness';

interface Forbidden {
  phrases: string[];
  terms: string[];
  caseSensitiveTerms: string[];
  medicines: string[];
  promotion: string[];
}
const committed = parse(readFileSync(path.join(repoRoot, 'tests/data/content-errors.yaml'), 'utf8')) as Forbidden;

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const word = (s: string, flags: string): RegExp => new RegExp(`(^|[^\\p{L}])${esc(s)}($|[^\\p{L}])`, `u${flags}`);

function violations(text: string, phrases: string[]): string[] {
  const low = text.toLowerCase();
  return [
    ...phrases.filter((p) => low.includes(p.toLowerCase())).map((p) => `phrase "${p}"`),
    ...committed.terms.filter((t) => word(t, 'i').test(text)).map((t) => `term "${t}"`),
    ...committed.caseSensitiveTerms.filter((t) => word(t, '').test(text)).map((t) => `term "${t}"`),
    ...committed.medicines.filter((t) => word(t, 'i').test(text)).map((t) => `medicine "${t}"`),
    ...committed.promotion.filter((t) => word(t, 'i').test(text)).map((t) => `promotion "${t}"`),
  ];
}

function dataTexts(): { where: string; text: string }[] {
  const s = content.system;
  const system = [...s.welcome, s.menu.prompt, ...s.fallback, s.clarify, ...s.help, ...s.cancelled, s.resume.prompt, s.resume.declined]
    .map((text) => ({ where: s.file, text }));
  return [...system, ...content.dialogs.flatMap((d) => fileTexts(d).map((t) => ({ where: `${d.file} ${t.node}`, text: t.text })))];
}

function replyText(a: Partial<Activity>): string {
  return [a.text ?? '', JSON.stringify(a.attachments ?? []), JSON.stringify(a.suggestedActions ?? {})].join('\n');
}

/** Start every dialog by its intent and answer "1", "2"… for a dozen turns, collecting every reply. */
async function walkAll(): Promise<Partial<Activity>[]> {
  const replies: Partial<Activity>[] = [];
  for (const d of content.dialogs) {
    for (const answer of ['1', '2']) {
      const intent = d.intents[0];
      if (!intent) continue;
      const h = harness({ [`start ${d.id}`]: intent });
      replies.push(...(await h.welcome()), ...(await h.turn(`start ${d.id}`)));
      for (let i = 0; i < 10; i++) replies.push(...(await h.turn(answer)));
    }
  }
  return replies;
}

describe('no forbidden wording', () => {
  it('the committed copy covers the live errors table (when ../shared is there)', () => {
    if (missing(contentNotes, 'CONTENT-NOTES.md')) return;
    const live = parseErrorTable(readFileSync(contentNotes, 'utf8'));
    expect(live.length).toBeGreaterThan(10);
    for (const p of live) expect(committed.phrases, `add "${p}" to tests/data/content-errors.yaml`).toContain(p);
  });

  const phrases = (): string[] => {
    const live = missing(contentNotes, 'CONTENT-NOTES.md') ? [] : parseErrorTable(readFileSync(contentNotes, 'utf8'));
    return [...new Set([...committed.phrases, ...live])];
  };

  it('no text in the data contains a translation error, a medicine or a promotion', () => {
    const list = phrases();
    const bad = dataTexts().flatMap(({ where, text }) => violations(text, list).map((v) => `${where}: ${v}`));
    expect(bad).toEqual([]);
  });

  it('no rendered reply does either, across a walk through every dialog', async () => {
    const list = phrases();
    const replies = await walkAll();
    expect(replies.length).toBeGreaterThan(200);
    const bad = replies.flatMap((r) => violations(replyText(r), list).map((v) => `${v} in: ${(r.text ?? '').slice(0, 80)}`));
    expect(bad).toEqual([]);
  });

  it('the check itself catches the errors (self-test)', () => {
    expect(violations('When the stomach contracts the ankle points down', committed.phrases)).not.toEqual([]);
    expect(violations('blood comes from the carotid artery', [])).not.toEqual([]);
    expect(violations('use a Stock or crutches', [])).not.toEqual([]);
    expect(violations('compression stockings', [])).toEqual([]);
    expect(violations('take 400 mg ibuprofen', [])).toHaveLength(2);
  });
});

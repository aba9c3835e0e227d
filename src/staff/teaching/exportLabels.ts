/**
 * Turns reviewers' labels into files for code review (nothing retrains a running bot):
 *  - `intents/reviewed/<intent>.yaml`: utterances in the format of `intents/*.yaml`;
 *    "out of scope" goes to `none.yaml` (the fallback intent). The NLU loader adds them
 *    to the intent's own utterances at the next start / model build.
 *  - `tests/data/triage-reviewed.yaml`: missed red flags as cases in the format of
 *    `tests/data/triage-cases.yaml`; the triage test runs them when the file exists.
 * The newest label of a message counts. Text is redacted again on the way out.
 */
import { FALLBACK_INTENT } from '../../domain/taxonomy';
import { redact } from '../../storage/redact';
import type { Label } from '../store/teachingTypes';
import { normaliseText } from './inbox';

export interface ExportFile {
  /** Relative to the project root. */
  path: string;
  content: string;
}

export const REVIEWED_INTENTS_DIR = 'intents/reviewed';
export const REVIEWED_TRIAGE_FILE = 'tests/data/triage-reviewed.yaml';

const quote = (s: string): string => JSON.stringify(s);

export function latestLabels(labels: Label[]): Label[] {
  const latest = new Map<string, Label>();
  for (const l of [...labels].sort((a, b) => a.id - b.id)) latest.set(`${l.channel}:${l.conversationId}#${l.seq}`, l);
  return [...latest.values()];
}

export function exportLabelFiles(labels: Label[]): ExportFile[] {
  const byIntent = new Map<string, string[]>();
  const seen = new Set<string>();
  const cases: { text: string; expect: string; condition: string | null }[] = [];
  for (const l of latestLabels(labels)) {
    const text = redact(l.text).replace(/\s+/g, ' ').trim();
    if (!text) continue;
    const norm = normaliseText(text);
    if (l.kind === 'missed_red_flag') {
      if (seen.has(`triage:${norm}`)) continue;
      seen.add(`triage:${norm}`);
      cases.push({ text, expect: l.level ?? 'urgent', condition: l.condition });
      continue;
    }
    const intent = l.kind === 'out_of_scope' ? FALLBACK_INTENT : l.intent;
    if (!intent || seen.has(`${intent}:${norm}`)) continue;
    seen.add(`${intent}:${norm}`);
    byIntent.set(intent, [...(byIntent.get(intent) ?? []), text]);
  }
  const files: ExportFile[] = [...byIntent.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([intent, utterances]) => ({
    path: `${REVIEWED_INTENTS_DIR}/${intent}.yaml`,
    content: [
      '# Patient messages staff labelled in the console (npm run nlu:export-labels); review before merging.',
      'version: 1',
      `intent: ${intent}`,
      'utterances:',
      ...utterances.map((u) => `  - ${quote(u)}`),
      '',
    ].join('\n'),
  }));
  if (cases.length > 0) {
    files.push({
      path: REVIEWED_TRIAGE_FILE,
      content: [
        '# Red flags staff found triage missed (npm run nlu:export-labels), in the format of triage-cases.yaml.',
        '# tests/triage.test.ts runs them too; review before merging.',
        'version: 1',
        'red_flags:',
        ...cases.map((c) => `  - { text: ${quote(c.text)}, expect: ${c.expect} }${c.condition ? `  # ${c.condition}` : ''}`),
        'benign: []',
        '',
      ].join('\n'),
    });
  }
  return files;
}

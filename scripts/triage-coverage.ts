/**
 * `npm run triage:coverage`: writes the coverage table by condition into
 * docs/triage-coverage.md from triage/red-flags.yaml, for clinician review. A test
 * fails when the file differs from the data (tests/docs.test.ts).
 */
import { writeFileSync } from 'node:fs';
import { loadLexicon, type Lexicon } from '../src/triage/lexicon';

export function coverageMarkdown(lexicon: Lexicon): string {
  const out = [
    '# Red-flag coverage by condition',
    '',
    'Generated from `triage/red-flags.yaml` by `npm run triage:coverage`; do not edit by hand.',
    'Each rule escalates when every group in its "needs" column has one sign present and not negated',
    '(signs are concepts with many surface forms; see the file for the words and phrases).',
    '`screen` asks the screening questions first; `safety_net` answers with a safety-net line.',
    '',
  ];
  for (const c of lexicon.conditions) {
    out.push(`## ${c.label} (\`${c.id}\`, ${c.level})`, '', '| rule | level | needs | unless | card says |', '|---|---|---|---|---|');
    for (const r of lexicon.rules.filter((x) => x.condition === c.id)) {
      const needs = r.require.map((g) => g.join(' or ')).join(' **and** ');
      const unless = [...r.exclude, ...r.exclude_unless.flatMap((u) => u.exclude.map((concept) => `${concept} (not with ${u.any_of.join(' or ')})`))];
      out.push(`| ${r.id} | ${r.level} | ${needs} | ${unless.join(', ') || '–'} | ${r.why} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

if (require.main === module) {
  writeFileSync('docs/triage-coverage.md', coverageMarkdown(loadLexicon('triage')));
  process.stdout.write('docs/triage-coverage.md written\n');
}

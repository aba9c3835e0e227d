/**
 * The JSON Schemas in schemas/ (for editors) are generated from the zod schemas the bot
 * validates content with; a stale file would let an editor accept what the bot refuses.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedSchemas } from '../scripts/content-schemas';

describe('content JSON Schemas', () => {
  const generated = generatedSchemas();
  it.each(Object.keys(generated))('schemas/%s matches the zod schema it comes from (npm run content:schemas)', (file) => {
    expect(readFileSync(`schemas/${file}`, 'utf8')).toBe(generated[file]);
  });
  it('every content file names its schema on its first line', () => {
    const files = [
      ...readdirSync('dialogs').filter((f) => f.endsWith('.yaml') && f !== '_sources.yaml').map((f) => `dialogs/${f}`),
      ...readdirSync('intents').filter((f) => f.endsWith('.yaml')).map((f) => `intents/${f}`),
      'intents/vocabulary/variants.yaml', 'triage/red-flags.yaml', 'triage/escalation.yaml',
    ];
    const missing = files.filter((f) => !/^# yaml-language-server: \$schema=\S+\.schema\.json\n/.test(readFileSync(f, 'utf8')));
    expect(missing).toEqual([]);
  });
});

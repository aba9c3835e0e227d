import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { cleanText } from '../src/domain/text';
import { loadLexicon } from '../src/triage/lexicon';
import { loadCompiledLexicon, type CompiledLexicon } from '../src/triage/lexiconCache';
import { Matcher } from '../src/triage/matcher';
import { phraseHintsOf } from '../src/triage/phraseHints';

/** Start-up reads the parsed lexicon and its phrase hints from the cache; triage must find exactly what it finds from the YAML. */
describe('red-flag lexicon cache', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'calfbot-lexicon-cache-'));
  const triage = join(tmp, 'triage');
  const cache = join(tmp, 'cache');
  cpSync('triage', triage, { recursive: true });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const table = parse(readFileSync('tests/data/triage-cases.yaml', 'utf8')) as { red_flags: { text: string }[]; benign: { text: string }[] };
  const texts = [...table.red_flags, ...table.benign].map((c) => c.text);
  const findings = (c: CompiledLexicon, list = texts): string[] => {
    const m = new Matcher(c.lexicon, { phraseHints: c.hints });
    return list.map((t) => {
      const a = m.analyse(cleanText(t));
      return JSON.stringify({ occurrences: a.occurrences, fired: a.fired.map((r) => r.id) });
    });
  };
  const fromYaml = (): string[] => {
    const lexicon = loadLexicon(triage);
    return findings({ lexicon, hints: phraseHintsOf(lexicon), fromCache: false });
  };

  it('reads the YAML once, then the cache, and finds exactly the same concepts and rules', () => {
    const first = loadCompiledLexicon(triage, cache);
    expect(first.fromCache).toBe(false);
    const second = loadCompiledLexicon(triage, cache);
    expect(second.fromCache).toBe(true);
    expect(second.lexicon).toEqual(first.lexicon);
    expect(findings(second)).toEqual(fromYaml());
  });

  it('ignores a corrupt cache file and reads the YAML again', () => {
    for (const f of readdirSync(cache)) writeFileSync(join(cache, f), 'not a cache');
    const again = loadCompiledLexicon(triage, cache);
    expect(again.fromCache).toBe(false);
    expect(findings(again)).toEqual(fromYaml());
  });

  it('sees an edit to red-flags.yaml at the next start (never a stale lexicon)', () => {
    const message = 'my calf went all blorpy after the flight';
    expect(findings(loadCompiledLexicon(triage, cache), [message])[0]).not.toContain('swelling');
    const file = join(triage, 'red-flags.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^ {2}- id: swelling\n {4}words: \[/m, '$&blorpy, '));
    const edited = loadCompiledLexicon(triage, cache);
    expect(edited.fromCache).toBe(false);
    expect(findings(edited, [message])[0]).toContain('"swelling"');
  });
});

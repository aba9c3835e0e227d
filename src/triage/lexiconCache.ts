/**
 * The red-flag lexicon as start-up needs it: `triage/red-flags.yaml` parsed, and the hints of
 * each phrase (src/triage/phraseHints.ts) worked out. Parsing the YAML and every phrase's
 * syntax tree was most of triage's start-up, so with a cache folder both are kept there as
 * JSON while the file and the triage code stay the same. What is read back is validated
 * exactly as the YAML is; a corrupt or foreign cache file is ignored and the YAML read again.
 */
import { join } from 'node:path';
import { codeHash, filesHash, readCacheFile, writeCacheFile } from '../nlu/modelCache';
import { LEXICON_FILE, lexiconPhrases, loadLexicon, parseLexicon, type Lexicon } from './lexicon';
import { phraseHintsOf, type PhraseHint } from './phraseHints';

export interface CompiledLexicon {
  lexicon: Lexicon;
  /** Each phrase's requirements, in the lexicon's order (concepts, then their phrases). */
  hints: PhraseHint[];
  /** Read from the cache rather than from the YAML in this process. */
  fromCache: boolean;
}

const CACHE_PREFIX = 'triage-lexicon-';

export function loadCompiledLexicon(dir = 'triage', cacheDir?: string): CompiledLexicon {
  if (!cacheDir) return compile(loadLexicon(dir));
  const file = join(dir, LEXICON_FILE);
  const key = filesHash([file]).slice(0, 32) + codeHash(['triage', 'domain']).slice(0, 16);
  const payload = readCacheFile(cacheDir, CACHE_PREFIX, key);
  const cached = payload === null ? null : decode(payload, file);
  if (cached) return cached;
  const compiled = compile(loadLexicon(dir));
  // the lexicon as written (its rules are derived from the conditions again when read back)
  const { rules: _derived, ...written } = compiled.lexicon;
  writeCacheFile(cacheDir, CACHE_PREFIX, key, JSON.stringify({ lexicon: written, hints: compiled.hints }));
  return compiled;
}

function compile(lexicon: Lexicon): CompiledLexicon {
  return { lexicon, hints: phraseHintsOf(lexicon), fromCache: false };
}

/** The cached lexicon, validated again, or null when the payload is not what this code writes. */
function decode(payload: string, file: string): CompiledLexicon | null {
  try {
    const p = JSON.parse(payload) as { lexicon?: unknown; hints?: unknown };
    const lexicon = parseLexicon(p.lexicon, file);
    if (!Array.isArray(p.hints) || p.hints.length !== lexiconPhrases(lexicon).length) return null;
    const isSet = (set: unknown): boolean => Array.isArray(set) && set.length > 0 && set.every((s) => typeof s === 'string' && s.length > 0);
    const ok = p.hints.every((h) => h === null || (Array.isArray(h) && h.length > 0 && h.every(isSet)));
    return ok ? { lexicon, hints: p.hints as PhraseHint[], fromCache: true } : null;
  } catch {
    return null;
  }
}

/**
 * Loads `dialogs/*.yaml` at start-up: each file is parsed and checked against its
 * schema, then the whole set is checked (src/content/validate.ts). Any problem stops
 * start-up with a ContentError whose lines each name the file and the node id.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { dialogFileSchema, SYSTEM_FILE, systemFileSchema, type Content, type DialogFile, type SystemFile } from './schema';
import { TAXONOMY_INTENTS } from '../domain/taxonomy';
import { validateSet, type Problem } from './validate';
import { loadSourceTitles, SOURCES_FILE } from '../domain/sources';
import { loadLexicon } from '../triage/lexicon';

export class ContentError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`Dialog content is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` + problems.map(formatProblem).join('\n'));
    this.name = 'ContentError';
  }
}

export function formatProblem(p: Problem): string {
  return `  ${p.file}${p.node ? ` node '${p.node}'` : ''}: ${p.message}`;
}

export interface LoadOptions {
  /** Where triage's red flags live (default: `triage/` next to the dialogs folder). */
  triageDir?: string;
  /** Where the NLU intent files live (default: `intents/` next to the dialogs folder). */
  intentsDir?: string;
  /**
   * The triage rules' levels, when the caller has already loaded that lexicon (the service at
   * start-up): the escalation nodes are checked against them instead of reading the YAML again.
   */
  ruleLevels?: ReadonlyMap<string, string>;
}

/** Intent ids: the taxonomy's plus every `intents/*.yaml`. */
export function taxonomyIntents(intentsDir: string): string[] {
  const ids = new Set<string>(TAXONOMY_INTENTS);
  if (existsSync(intentsDir)) {
    for (const f of readdirSync(intentsDir)) {
      if (/\.ya?ml$/.test(f)) ids.add(f.replace(/\.ya?ml$/, ''));
    }
  }
  return [...ids];
}

/** Where in the YAML a zod issue is, as a node id when the path goes through `nodes[i]`. */
function issueNode(raw: unknown, issuePath: PropertyKey[]): string | undefined {
  if (issuePath[0] !== 'nodes' || typeof issuePath[1] !== 'number') return undefined;
  const nodes = (raw as { nodes?: unknown[] }).nodes;
  const node = nodes?.[issuePath[1]] as { id?: unknown } | undefined;
  return typeof node?.id === 'string' ? node.id : `#${issuePath[1] + 1}`;
}

function parseFile<S extends z.ZodType>(dir: string, file: string, schema: S, problems: Problem[]): (z.infer<S> & { file: string }) | undefined {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path.join(dir, file), 'utf8'));
  } catch (err) {
    problems.push({ file, message: `is not valid YAML: ${(err as Error).message.split('\n')[0]}` });
    return undefined;
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const where = issue.path.filter((p) => typeof p !== 'symbol').join('.');
      problems.push({ file, node: issueNode(raw, issue.path), message: `${where ? `${where}: ` : ''}${issue.message}` });
    }
    return undefined;
  }
  return { ...(result.data as object), file } as z.infer<S> & { file: string };
}

/** Every `escalate` node names a triage rule and carries that rule's level: a sign gets one level, typed or answered. */
function escalationProblems(dialogs: DialogFile[], triageDir: string, known?: ReadonlyMap<string, string>): Problem[] {
  let levels: ReadonlyMap<string, string>;
  try {
    levels = known ?? new Map(loadLexicon(triageDir).rules.map((r) => [r.id, r.level]));
  } catch (err) {
    return [{ file: path.join(triageDir, 'red-flags.yaml'), message: (err as Error).message }];
  }
  return dialogs.flatMap((d) => d.nodes.flatMap((n) => {
    if (n.kind !== 'escalate') return [];
    const level = levels.get(n.reason);
    if (level === undefined) return [{ file: d.file, node: n.id, message: `reason '${n.reason}' is not a rule in triage/red-flags.yaml` }];
    return level === n.level ? [] : [{ file: d.file, node: n.id, message: `level '${n.level}' differs from rule '${n.reason}' (${level})` }];
  }));
}

export function loadContent(dir = 'dialogs', options: LoadOptions = {}): Content {
  const problems: Problem[] = [];
  if (!existsSync(dir)) throw new ContentError([{ file: dir, message: 'folder not found' }]);
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== SOURCES_FILE).sort();
  if (!files.includes(SYSTEM_FILE)) problems.push({ file: SYSTEM_FILE, message: 'is missing (welcome, menu, help and fallback texts)' });
  let system: SystemFile | undefined;
  const dialogs: DialogFile[] = [];
  for (const f of files) {
    if (f === SYSTEM_FILE) system = parseFile(dir, f, systemFileSchema, problems);
    else {
      const d = parseFile(dir, f, dialogFileSchema, problems);
      if (d) dialogs.push(d);
    }
  }
  if (problems.length || !system) throw new ContentError(problems);
  const intentsDir = options.intentsDir ?? path.join(path.dirname(path.resolve(dir)), 'intents');
  problems.push(...validateSet(system, dialogs, taxonomyIntents(intentsDir)));
  problems.push(...escalationProblems(dialogs, options.triageDir ?? path.join(path.dirname(path.resolve(dir)), 'triage'), options.ruleLevels));
  let sourceTitles: ReadonlyMap<string, string> | undefined;
  try {
    const titles = loadSourceTitles(dir);
    sourceTitles = titles;
    for (const d of dialogs) {
      for (const node of d.nodes) {
        for (const ref of ('sources' in node ? node.sources ?? [] : [])) {
          if (!titles.has(ref.document)) problems.push({ file: d.file, node: node.id, message: `source ${ref.document} has no title in ${SOURCES_FILE}` });
        }
      }
    }
  } catch (err) {
    problems.push({ file: SOURCES_FILE, message: (err as Error).message });
  }
  if (problems.length) throw new ContentError(problems);
  const intentDialog: Record<string, string> = {};
  for (const d of dialogs) for (const i of d.intents) intentDialog[i] = d.id;
  return { dir, system, dialogs, intentDialog, sourceTitles };
}

/**
 * Checks on the whole set of dialog files, after each file passed its schema:
 * every intent is answered, every target exists, every node is reachable, every
 * loop can be left and waits for the user somewhere. Each problem names the file
 * and the node id.
 */
import { isInteractive, savedAs, stronglyConnected, successors } from './graph';
import { startNodeId, type DialogFile, type DialogNode, type SystemFile } from './schema';
import { SETTING_PLACEHOLDERS } from '../domain/placeholders';
import { FALLBACK_INTENT } from '../domain/taxonomy';

export interface Problem {
  file: string;
  node?: string;
  message: string;
}

/** Placeholders filled from configuration at run time; others must be answers saved in the same file. */
/** Placeholders a dialog text may use besides its saved answers: the settings' and the dialog's `{title}`. */
export const CONFIG_PLACEHOLDERS: readonly string[] = [...SETTING_PLACEHOLDERS, 'title'];

function nodeTexts(node: DialogNode): string[] {
  switch (node.kind) {
    case 'message':
      return [...(node.title ? [node.title] : []), ...node.text, ...(node.bullets ?? []), ...(node.buttons ?? []).flatMap((b) => [b.title, b.value])];
    case 'choice':
      return [node.prompt, ...(node.retry ? [node.retry] : []), ...node.choices.flatMap((c) => [c.title, ...c.synonyms])];
    case 'number':
      return [node.prompt, node.retry];
    case 'confirm':
      return [node.prompt, ...(node.retry ? [node.retry] : [])];
    case 'end':
      return node.text ? [node.text] : [];
    default:
      return [];
  }
}

/** Every text a user can see in one dialog file (for checks and tests). */
export function fileTexts(file: DialogFile): { node: string; text: string }[] {
  return [{ node: '(title)', text: file.title }, ...(file.menu ? [{ node: '(menu)', text: file.menu }] : []),
    ...file.nodes.flatMap((n) => nodeTexts(n).map((text) => ({ node: n.id, text })))];
}

function checkFile(file: DialogFile, dialogIds: Set<string>, problems: Problem[]): void {
  const add = (node: string | undefined, message: string): void => void problems.push({ file: file.file, node, message });
  const expectedId = file.file.replace(/\.ya?ml$/, '');
  if (file.id !== expectedId) add(undefined, `id '${file.id}' must match the file name '${expectedId}'`);
  const ids = new Set<string>();
  for (const n of file.nodes) {
    if (ids.has(n.id)) add(n.id, 'duplicate node id');
    ids.add(n.id);
  }
  const start = startNodeId(file);
  if (!ids.has(start)) add(undefined, `start node '${start}' does not exist`);
  for (const [intent, node] of Object.entries(file.entries)) {
    if (!file.intents.includes(intent)) add(node, `entry for intent '${intent}', which this file does not list in intents`);
    if (!ids.has(node)) add(node, `entry for intent '${intent}' goes to a node that does not exist`);
  }
  const saved = new Set(file.nodes.flatMap((n) => savedAs(n) ?? []));

  for (const n of file.nodes) {
    for (const t of successors(file, n)) if (t !== null && !ids.has(t)) add(n.id, `goes to node '${t}', which does not exist`);
    const dialogRefs = n.kind === 'choice' ? n.choices.flatMap((c) => (c.dialog ? [c.dialog] : [])) : n.kind === 'goto' && n.dialog ? [n.dialog] : [];
    for (const d of dialogRefs) if (!dialogIds.has(d)) add(n.id, `starts dialog '${d}', which does not exist`);
    if (n.kind === 'choice') for (const c of n.choices) if (c.next && c.dialog) add(n.id, `choice '${c.title}' has both next and dialog`);
    if (n.kind === 'number' && n.min > n.max) add(n.id, `min ${n.min} is above max ${n.max}`);
    if (n.kind === 'message' && file.sourced && !n.sources?.length) add(n.id, 'an answer must name its sources (document + section)');
    if (n.kind === 'message' && n.card === 'step' && !file.hold_while_escalated) add(n.id, 'a step the user carries out must not run while an escalation is open: mark the file hold_while_escalated: true');
    if (n.kind === 'branch') for (const c of n.cases) for (const w of c.when) {
      for (const v of [w.var, ...(w.absDiffFrom ? [w.absDiffFrom] : [])]) if (!saved.has(v)) add(n.id, `branches on '${v}', which no prompt in this file saves`);
    }
    for (const t of nodeTexts(n)) for (const m of t.matchAll(/\{(\w+)\}/g)) {
      const name = m[1] ?? '';
      if (!CONFIG_PLACEHOLDERS.includes(name) && !saved.has(name)) add(n.id, `unknown placeholder {${name}}`);
    }
  }

  // Reachability from the start node.
  const byId = new Map(file.nodes.map((n) => [n.id, n] as const));
  const seen = new Set<string>();
  const queue = [start, ...Object.values(file.entries)].filter((id) => ids.has(id));
  while (queue.length) {
    const id = queue.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const t of successors(file, byId.get(id)!)) if (t !== null && byId.has(t)) queue.push(t);
  }
  for (const n of file.nodes) if (!seen.has(n.id)) add(n.id, `is unreachable from the start node '${start}' (and the entries)`);

  // Every node must be able to reach an exit; every loop must wait for the user somewhere.
  const exits = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of file.nodes) {
      if (exits.has(n.id)) continue;
      if (successors(file, n).some((t) => t === null || exits.has(t))) {
        exits.add(n.id);
        grew = true;
      }
    }
  }
  for (const scc of stronglyConnected(file)) {
    const first = scc[0] === undefined ? undefined : byId.get(scc[0]);
    if (!first) continue;
    const isLoop = scc.length > 1 || successors(file, first).includes(first.id);
    if (!isLoop) continue;
    if (!scc.some((id) => exits.has(id))) add(scc[0], `is in a loop with no exit (${scc.join(' → ')})`);
    if (!scc.some((id) => { const n = byId.get(id); return n !== undefined && isInteractive(n); })) add(scc[0], `is in a loop that never waits for the user (${scc.join(' → ')})`);
  }
}

export function validateSet(system: SystemFile, dialogs: DialogFile[], taxonomy: string[]): Problem[] {
  const problems: Problem[] = [];
  const dialogIds = new Set(dialogs.map((d) => d.id));
  for (const d of dialogs) checkFile(d, dialogIds, problems);

  const known = new Set(taxonomy);
  const owner = new Map<string, string>();
  for (const d of dialogs) for (const intent of d.intents) {
    if (!known.has(intent)) problems.push({ file: d.file, message: `intent '${intent}' is not in the taxonomy` });
    else if (intent === FALLBACK_INTENT) problems.push({ file: d.file, message: `intent '${FALLBACK_INTENT}' is the fallback menu in ${system.file}; no dialog may claim it` });
    else if (owner.has(intent)) problems.push({ file: d.file, message: `intent '${intent}' is already answered by ${owner.get(intent)}` });
    else owner.set(intent, d.file);
  }
  for (const intent of taxonomy) {
    if (intent !== FALLBACK_INTENT && !owner.has(intent)) problems.push({ file: '(dialogs)', message: `intent '${intent}' has no answer or dialog` });
  }
  const referenced = new Set([...system.menu.items, ...dialogs.flatMap((d) => d.nodes.flatMap((n) =>
    n.kind === 'choice' ? n.choices.flatMap((c) => c.dialog ?? []) : n.kind === 'goto' && n.dialog ? [n.dialog] : []))]);
  for (const d of dialogs) {
    if (d.intents.length === 0 && !referenced.has(d.id)) problems.push({ file: d.file, message: 'has no intents and no menu or dialog starts it' });
  }
  for (const item of system.menu.items) {
    if (!dialogIds.has(item)) problems.push({ file: system.file, node: 'menu', message: `menu item '${item}' is not a dialog` });
  }
  return problems;
}

/**
 * Where each node can lead: the edges of a dialog tree. Used by the content check
 * (reachability, exits, loops) and by the engine (what comes after a node).
 * A node without `next` falls through to the node listed after it; after the last
 * node the dialog ends.
 */
import type { DialogFile, DialogNode } from './schema';

/** An edge to a node in the same file, or `null` for "the dialog ends here". */
export type Target = string | null;

export function fallthrough(file: DialogFile, node: DialogNode): Target {
  const i = file.nodes.findIndex((n) => n.id === node.id);
  return file.nodes[i + 1]?.id ?? null;
}

/** `next` if given, else the following node, else the end. */
export function after(file: DialogFile, node: DialogNode): Target {
  return ('next' in node && node.next) || fallthrough(file, node);
}

export function successors(file: DialogFile, node: DialogNode): Target[] {
  switch (node.kind) {
    case 'message':
    case 'number':
      return [after(file, node)];
    case 'choice':
      return node.choices.map((c) => (c.dialog ? null : (c.next ?? after(file, node))));
    case 'confirm':
      return [node.yes ?? after(file, node), node.no ?? after(file, node)];
    case 'branch':
      return [...node.cases.map((c) => c.next), node.default];
    case 'goto':
      return [node.node ?? null];
    case 'escalate':
      return [node.next ?? null];
    case 'end':
      return [null];
  }
}

export function isInteractive(node: DialogNode): boolean {
  return node.kind === 'choice' || node.kind === 'number' || node.kind === 'confirm';
}

/** Strongly connected components (Tarjan) of the node graph, as lists of node ids. */
export function stronglyConnected(file: DialogFile): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const byId = new Map(file.nodes.map((n) => [n.id, n] as const));
  let counter = 0;
  const visit = (id: string): void => {
    index.set(id, counter);
    low.set(id, counter++);
    stack.push(id);
    onStack.add(id);
    const node = byId.get(id);
    for (const t of node ? successors(file, node) : []) {
      if (t === null || !byId.has(t)) continue;
      if (!index.has(t)) {
        visit(t);
        low.set(id, Math.min(low.get(id)!, low.get(t)!));
      } else if (onStack.has(t)) {
        low.set(id, Math.min(low.get(id)!, index.get(t)!));
      }
    }
    if (low.get(id) === index.get(id)) {
      const scc: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== id);
      out.push(scc);
    }
  };
  for (const n of file.nodes) if (!index.has(n.id)) visit(n.id);
  return out;
}

/** The variable a prompt node saves its answer in (its `save`, else its id). */
export function savedAs(node: DialogNode): string | undefined {
  return node.kind === 'choice' || node.kind === 'number' || node.kind === 'confirm' ? (node.save ?? node.id) : undefined;
}

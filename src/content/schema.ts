/**
 * The format of `dialogs/*.yaml`, as zod schemas. One file is one dialog tree (or one
 * answer) that clinical staff can read and correct; `_system.yaml` holds the texts the
 * bot uses around the trees (welcome, menu, help, fallback). See docs/dialogs.md.
 */
import { z } from 'zod';
import { ESCALATION_LEVELS } from '../domain/urgency';

const key = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be lower_snake_case (a-z, 0-9, _)');
const text = z.string().trim().min(1, 'must not be empty');
const paragraphs = z.union([text, z.array(text).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));
const version = z.union([z.number(), z.string()]);

export const sourceRefSchema = z.strictObject({
  document: z.string().regex(/^[0-9]{3}_[0-9a-f]{16}\.txt$/, 'must be a file name in shared/seeds, such as 002_614628932754cdc1.txt'),
  section: text,
});

const buttonSchema = z.strictObject({
  title: text,
  kind: z.enum(['openUrl', 'call']),
  value: text,
});

const choiceOptionSchema = z.strictObject({
  title: text,
  /** Saved in the answer variable; defaults to the title. */
  value: key.optional(),
  /** Other words that select this choice when typed. */
  synonyms: z.array(text).default([]),
  /** Where to go in this file… */
  next: key.optional(),
  /** …or which dialog to start instead (ends this one). */
  dialog: key.optional(),
});

const conditionSchema = z.strictObject({
  var: key,
  eq: z.union([z.string(), z.number(), z.boolean()]).optional(),
  in: z.array(z.union([z.string(), z.number()])).optional(),
  lt: z.number().optional(),
  lte: z.number().optional(),
  gt: z.number().optional(),
  gte: z.number().optional(),
  /** Compare |var − absDiffFrom| instead of var itself (e.g. left vs right). */
  absDiffFrom: key.optional(),
});

const base = { id: key, next: key.optional() };

export const nodeSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...base,
    kind: z.literal('message'),
    title: text.optional(),
    text: paragraphs,
    bullets: z.array(text).optional(),
    card: z.enum(['default', 'step', 'urgent']).optional(),
    buttons: z.array(buttonSchema).optional(),
    sources: z.array(sourceRefSchema).optional(),
  }),
  z.strictObject({
    ...base,
    kind: z.literal('choice'),
    prompt: text,
    retry: text.optional(),
    save: key.optional(),
    /** A follow-up menu: any other message ends this dialog and is answered afresh. */
    open: z.boolean().default(false),
    choices: z.array(choiceOptionSchema).min(2, 'needs at least two choices'),
  }),
  z.strictObject({
    ...base,
    kind: z.literal('number'),
    prompt: text,
    retry: text,
    save: key.optional(),
    min: z.number().int(),
    max: z.number().int(),
  }),
  z.strictObject({
    ...base,
    kind: z.literal('confirm'),
    prompt: text,
    retry: text.optional(),
    save: key.optional(),
    yes: key.optional(),
    no: key.optional(),
  }),
  z.strictObject({
    ...base,
    kind: z.literal('branch'),
    cases: z.array(z.strictObject({ when: z.array(conditionSchema).min(1), next: key })).min(1),
    default: key,
  }),
  z.strictObject({ ...base, kind: z.literal('goto'), node: key.optional(), dialog: key.optional() })
    .refine((n) => (n.node === undefined) !== (n.dialog === undefined), 'needs exactly one of `node` or `dialog`'),
  z.strictObject({ id: key, kind: z.literal('end'), text: text.optional() }),
  z.strictObject({
    ...base,
    kind: z.literal('escalate'),
    level: z.enum(ESCALATION_LEVELS),
    /** A triage rule in triage/red-flags.yaml (e.g. limb_colour_change); `level` must be that rule's. */
    reason: key,
  }),
]);

export const dialogFileSchema = z.strictObject({
  version,
  id: key,
  /** How the bot names this dialog to the user ("Shall we go back to the {title}?"). */
  title: text,
  /** Short label in menus and "Did you mean…?" buttons; defaults to the title. */
  menu: text.optional(),
  /** Intents this dialog answers; none for a sub-tree only reached from menus or other dialogs. */
  intents: z.array(key).default([]),
  /** Start somewhere else for some intents, e.g. { hip_pain_link: hip }. */
  entries: z.record(key, key).default({}),
  /** false only for small talk (greeting, thanks…) whose answers rest on no document. */
  sourced: z.boolean().default(true),
  /**
   * true for a dialog that has the user stretch, roll, load or test the calf: while an
   * escalation is open, the bot says "not until you have been checked" instead of running it.
   */
  hold_while_escalated: z.boolean().default(false),
  start: key.optional(),
  nodes: z.array(nodeSchema).min(1),
});

export const systemFileSchema = z.strictObject({
  version,
  welcome: paragraphs,
  menu: z.strictObject({ prompt: text, items: z.array(key).min(2) }),
  fallback: paragraphs,
  clarify: text,
  help: paragraphs,
  cancelled: paragraphs,
  resume: z.strictObject({ prompt: text, declined: text }),
  commands: z.strictObject({ help: z.array(text).min(1), cancel: z.array(text).min(1), startOver: z.array(text).min(1) }),
});

export type SourceRefData = z.infer<typeof sourceRefSchema>;
export type DialogNode = z.infer<typeof nodeSchema>;
export type NodeKind = DialogNode['kind'];
export type NodeOf<K extends NodeKind> = Extract<DialogNode, { kind: K }>;
export type Condition = z.infer<typeof conditionSchema>;
export type DialogFile = z.infer<typeof dialogFileSchema> & { file: string };

/** Where a dialog starts: its `start` node, or its first node (the schema requires one). */
export function startNodeId(file: Pick<DialogFile, 'file' | 'start' | 'nodes'>): string {
  const id = file.start ?? file.nodes[0]?.id;
  if (id === undefined) throw new Error(`${file.file}: a dialog needs at least one node`);
  return id;
}
export type SystemFile = z.infer<typeof systemFileSchema> & { file: string };

export interface Content {
  dir: string;
  system: SystemFile;
  dialogs: DialogFile[];
  /** intent id → dialog id that answers it. */
  intentDialog: Record<string, string>;
  /** Title of each source document (dialogs/_sources.yaml), for the "From:" line under answers. */
  sourceTitles?: ReadonlyMap<string, string>;
}

export const SYSTEM_FILE = '_system.yaml';

/**
 * The red flags (`triage/red-flags.yaml`): concepts, and conditions with their rules.
 * zod schema and loader.
 * A broken lexicon stops start-up with a message that names the concept or rule id,
 * because a triage that silently matches nothing is the worst failure this bot can have.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { expandSignGroups } from './signGroups';

export const LEXICON_FILE = 'red-flags.yaml';

const id = z.string().regex(/^[a-z][a-z0-9_]*$/, 'ids are lower_snake_case');
const word = z.string().min(1).regex(/^[a-z0-9]+$/, 'words are lower-case letters and digits only (use phrases for more)');
/** A regular expression as written in the triage data files: must compile. */
export const regexSource = z.string().min(1).refine((s) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}, 'is not a valid regular expression');

const conceptSchema = z.strictObject({
  id,
  explicit: z.boolean().default(false),
  /** A denial ("no swelling or pain", "no pain walking"): the negation words in its phrases still deny what they name. */
  denial: z.boolean().default(false),
  /**
   * A check that rules a condition out ("scanned, no clot", "can go up on tiptoes", "pulses
   * normal"): where it sets aside a rule, the detector may ask about that condition but not
   * escalate on it alone (it cannot read the reason).
   */
  rules_out: z.boolean().default(false),
  /**
   * A story the signs inside it belong to: someone else's emergency (a relative's, a programme's, a pet's, a
   * mannequin's) or one long over. Each match is a span, and every other concept named inside it is set aside;
   * the rest of the message is read as usual.
   */
  story: z.boolean().default(false),
  /**
   * Signs this concept accounts for where its own match spans them: a leg that "went dead" from
   * sitting on it and came back is not a numb or dead leg now. Such an occurrence is not a sign: no
   * rule's `require` reads it, and it is neither carried to the next messages nor remembered by
   * an escalation. The same sign told outside the span still counts.
   */
  explains: z.array(id).default([]),
  /**
   * false: read by the rules only, never a feature of the classifier. For a modifier that says
   * nothing about a red flag by itself ("left calf": a side named), which the classifier would
   * otherwise learn as a sign because red flags often name their side.
   */
  detector: z.boolean().default(true),
  /**
   * A context read across other words ("breathless at the end of my spin class": a cause told
   * near a sign). Its match does not swallow the negations inside it: "no breathlessness, no
   * swelling, just sore after football" still denies the swelling.
   */
  context: z.boolean().default(false),
  fuzzy: z.boolean().default(true),
  words: z.array(word).default([]),
  phrases: z.array(regexSource).default([]),
  raw: z.array(z.string().min(1)).default([]),
  not_before: regexSource.optional(),
  not_after: regexSource.optional(),
  clause_exclude: regexSource.optional(),
}).refine((c) => c.words.length + c.phrases.length + c.raw.length > 0, 'needs at least one of words, phrases, raw');

/** What a rule does: escalate (urgent, emergency), ask the screening questions, or add a safety-net line. */
export const RULE_LEVELS = ['urgent', 'emergency', 'screen', 'safety_net'] as const;
export type RuleLevel = (typeof RULE_LEVELS)[number];
const levelSchema = z.enum(RULE_LEVELS);

/**
 * A concept a rule names, or "@group" (sign_groups). Groups are expanded before validation, so a
 * parsed rule holds concept ids only; the "@" form is accepted here so that the JSON Schema made
 * from this one (schemas/red-flags.schema.json) accepts the file as written.
 */
const conceptRef = z.string().regex(/^@?[a-z][a-z0-9_]*$/, 'a concept id, or "@group" for a sign group');
const excludeUnlessSchema = z.strictObject({ any_of: z.array(conceptRef).min(1), exclude: z.array(conceptRef).min(1) });

const ruleSchema = z.strictObject({
  id,
  /** Defaults to the condition's level. */
  level: levelSchema.optional(),
  scope: z.enum(['message', 'clause']).default('message'),
  require: z.array(z.array(conceptRef).min(1)).min(1),
  exclude: z.array(conceptRef).default([]),
  /**
   * Checks that set the rule aside only while none of `any_of` is present: a cold foot told as
   * long-standing is narrowed arteries, unless the same message dates it to today or calls it sudden.
   * One such pair, or a list of pairs each read on its own; read as a list.
   */
  exclude_unless: z
    .union([excludeUnlessSchema, z.array(excludeUnlessSchema)])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
  /** The rule does not fire when one of these is mentioned only negated ("no swelling, not red"). */
  unless_negated: z.array(conceptRef).default([]),
  distinct: z.boolean().default(false),
  /**
   * The rule reports a clinician's check of the leg (a clot ruled out): the conversation
   * notes it as an all-clear already given (src/turn/3-triage.ts).
   */
  all_clear: z.boolean().default(false),
  /**
   * A rule about an earlier episode and a sign now (an earlier clot, and a calf swollen today): its first
   * `require` group (the episode) and its exclusions read what a story tells (a `story` concept's span);
   * its other groups need signs outside stories. Safety nets read stories throughout; every other rule
   * reads only what is outside them.
   */
  story_history: z.boolean().default(false),
  why: z.string().min(1),
});

const conditionSchema = z.strictObject({
  id,
  label: z.string().min(1),
  level: levelSchema,
  rules: z.array(ruleSchema).min(1, 'a condition needs at least one rule'),
});

export const lexiconSchema = z.strictObject({
  version: z.number().int().positive(),
  /**
   * Named pieces of regular expression written once and used as `{{name}}` in several concepts'
   * phrases and filters (the names of known artery disease, say). Expanded before validation.
   */
  fragments: z.record(id, regexSource).default({}),
  /** Named lists of concepts used in rules as "@name" (src/triage/signGroups.ts); expanded before validation. */
  sign_groups: z.record(id, z.array(conceptRef).min(1)).default({}),
  fuzzy: z.strictObject({
    min_length: z.number().int().min(4).max(20),
    long_length: z.number().int().min(5).max(30),
    ignore: z.array(word).default([]),
    vocabulary: z.array(word).default([]),
    /**
     * Chat spellings and abbreviations read as the word they stand for ("nite": night,
     * "ova": over), whatever their length; applied before typo correction.
     */
    spellings: z.record(word, word).default({}),
  }),
  /**
   * Checks that set aside every warning rule of every condition (urgent, emergency and screening),
   * each only while none of its `any_of` is present: staff asking for training or leaflet material
   * that lists the signs, unless the message names a patient or the writer's own body. Appended to
   * each such rule's `exclude_unless` when the lexicon loads; the classifier does not ask its
   * questions either while one holds (`Analysis.setAside`).
   */
  every_warning_rule: z.strictObject({ exclude_unless: z.array(excludeUnlessSchema).default([]) }).default({ exclude_unless: [] }),
  concepts: z.array(conceptSchema).min(1),
  conditions: z.array(conditionSchema).min(1),
});

type ParsedLexicon = Omit<z.infer<typeof lexiconSchema>, 'fragments' | 'sign_groups'>;
export type Concept = z.infer<typeof conceptSchema>;
export type Condition = z.infer<typeof conditionSchema>;

/** A rule with its condition and its level resolved: what the matcher evaluates. */
export interface Rule extends Omit<z.infer<typeof ruleSchema>, 'level'> {
  level: RuleLevel;
  condition: string;
}

export interface Lexicon extends ParsedLexicon {
  /** Every condition's rules, flattened, each knowing its condition and level. */
  rules: Rule[];
}

/** Does the rule escalate (urgent or emergency), rather than ask or add a safety-net line? */
export function isEscalatingRule(rule: Rule): rule is Rule & { level: 'urgent' | 'emergency' } {
  return rule.level === 'urgent' || rule.level === 'emergency';
}

/** Every concept's phrases, in the lexicon's order: the order phrase ids and hints follow. */
export function lexiconPhrases(lexicon: Pick<Lexicon, 'concepts'>): string[] {
  return lexicon.concepts.flatMap((c) => c.phrases);
}

export class LexiconError extends Error {}

/** Describe a zod issue path with the concept/rule id it belongs to, e.g. `rules[chest_pain].require`. */
function describePath(raw: unknown, path: readonly PropertyKey[]): string {
  const parts: string[] = [];
  let node: unknown = raw;
  for (const key of path) {
    if (typeof key === 'number' && Array.isArray(node)) {
      const item: unknown = node[key];
      const itemId = item && typeof item === 'object' && 'id' in item ? String((item as { id: unknown }).id) : undefined;
      parts[parts.length - 1] = `${parts[parts.length - 1] ?? ''}[${itemId ?? key}]`;
      node = item;
    } else {
      parts.push(String(key));
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[String(key)] : undefined;
    }
  }
  return parts.join('.') || 'lexicon';
}

const FRAGMENT_REF = /\{\{([a-z][a-z0-9_]*)\}\}/g;
const EXPANDED_FIELDS = ['phrases', 'not_before', 'not_after', 'clause_exclude'] as const;

/**
 * The raw lexicon with every `{{name}}` in a concept's phrases and filters replaced by its
 * fragment. A fragment may name other fragments (a list shared by two larger ones). A name
 * that is not defined, a fragment that names itself through others, or a fragment nothing
 * uses stops the load.
 */
function expandFragments(raw: unknown, source: string): unknown {
  if (!raw || typeof raw !== 'object') return raw;
  const { fragments, concepts } = raw as { fragments?: unknown; concepts?: unknown };
  const defined = fragments && typeof fragments === 'object' ? (fragments as Record<string, unknown>) : {};
  if (!Array.isArray(concepts)) return raw;
  const used = new Set<string>();
  const problems: string[] = [];
  const resolved = new Map<string, string>();
  const resolving: string[] = [];
  const fragmentText = (name: string, where: string): string | undefined => {
    const known = resolved.get(name);
    if (known !== undefined) return known;
    const fragment = defined[name];
    if (typeof fragment !== 'string') {
      problems.push(`${where}: unknown fragment "${name}"`);
      return undefined;
    }
    if (resolving.includes(name)) {
      problems.push(`fragments.${name}: names itself through ${[...resolving.slice(resolving.indexOf(name)), name].map((n) => `{{${n}}}`).join(' → ')}`);
      return undefined;
    }
    resolving.push(name);
    const text = expand(fragment, `fragments.${name}`) as string;
    resolving.pop();
    resolved.set(name, text);
    return text;
  };
  const expand = (text: unknown, where: string): unknown =>
    typeof text !== 'string'
      ? text
      : text.replace(FRAGMENT_REF, (ref, name: string) => {
          const fragment = fragmentText(name, where);
          if (fragment === undefined) return ref;
          used.add(name);
          return fragment;
        });
  const expanded = concepts.map((c: unknown) => {
    if (!c || typeof c !== 'object') return c;
    const concept = { ...(c as Record<string, unknown>) };
    const where = `concepts[${String(concept.id)}]`;
    for (const field of EXPANDED_FIELDS) {
      if (!(field in concept)) continue;
      const value = concept[field];
      concept[field] = Array.isArray(value) ? value.map((v) => expand(v, `${where}.${field}`)) : expand(value, `${where}.${field}`);
    }
    return concept;
  });
  for (const name of Object.keys(defined)) if (!used.has(name)) problems.push(`fragments.${name}: not used by any concept`);
  if (problems.length) throw new LexiconError(problems.map((p) => `${source}: ${p}`).join('\n'));
  return { ...(raw as Record<string, unknown>), concepts: expanded };
}

/** Validate a parsed lexicon object, including cross references between rules and concepts. */
export function parseLexicon(input: unknown, source = LEXICON_FILE): Lexicon {
  const groups = expandSignGroups(expandFragments(input, source));
  const raw = groups.raw;
  const result = lexiconSchema.safeParse(raw);
  const groupLines = groups.problems.map((p) => `${source}: ${p}`);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${source}: ${describePath(raw, i.path)}: ${i.message}`);
    throw new LexiconError([...lines, ...groupLines].join('\n'));
  }
  if (groupLines.length) throw new LexiconError(groupLines.join('\n'));
  // The fragments are in the phrases now; a parsed lexicon (and its cache) holds none.
  // every_warning_rule goes into the urgent, emergency and screening rules' exclude_unless, as if written there
  // (kept in the parsed lexicon too, so that the cache, which derives the rules again, keeps it)
  const { fragments: _fragments, sign_groups: _groups, ...parsed } = result.data;
  const everyRule = parsed.every_warning_rule;
  const rules: Rule[] = parsed.conditions.flatMap((c) =>
    c.rules.map((r) => {
      const level = r.level ?? c.level;
      const everywhere = level === 'safety_net' ? [] : everyRule.exclude_unless;
      return { ...r, level, condition: c.id, exclude_unless: [...r.exclude_unless, ...everywhere] };
    }),
  );
  const lex: Lexicon = { ...parsed, rules };
  const problems: string[] = [];
  const conditionIds = new Set<string>();
  for (const c of parsed.conditions) {
    if (conditionIds.has(c.id)) problems.push(`conditions[${c.id}]: duplicate condition id`);
    conditionIds.add(c.id);
  }
  const conceptIds = new Set<string>();
  for (const c of lex.concepts) {
    if (conceptIds.has(c.id)) problems.push(`concepts[${c.id}]: duplicate concept id`);
    conceptIds.add(c.id);
  }
  for (const c of lex.concepts) {
    for (const ref of c.explains) if (!conceptIds.has(ref)) problems.push(`concepts[${c.id}].explains: unknown concept "${ref}"`);
  }
  const ruleIds = new Set<string>();
  for (const r of lex.rules) {
    if (ruleIds.has(r.id)) problems.push(`conditions[${r.condition}].rules[${r.id}]: duplicate rule id`);
    ruleIds.add(r.id);
    for (const ref of [...r.require.flat(), ...r.exclude, ...r.exclude_unless.flatMap((u) => [...u.any_of, ...u.exclude]), ...r.unless_negated]) {
      if (!conceptIds.has(ref)) problems.push(`conditions[${r.condition}].rules[${r.id}]: unknown concept "${ref}"`);
    }
  }
  // A spelling is replaced before any phrase or word sees the text: one that a concept also names
  // would be dead there (and its phrases would lose the short form they were written to read).
  for (const spelling of Object.keys(lex.fuzzy.spellings)) {
    const named = new RegExp(`(?<![a-z0-9])${spelling}(?![a-z0-9])`);
    for (const c of lex.concepts) {
      if (c.words.includes(spelling) || c.phrases.some((phrase) => named.test(phrase))) {
        problems.push(`fuzzy.spellings.${spelling}: concepts[${c.id}] names "${spelling}" itself, which the spelling replaces before matching`);
      }
    }
  }
  if (problems.length) throw new LexiconError(problems.map((p) => `${source}: ${p}`).join('\n'));
  return lex;
}

/** Read and validate `<dir>/red-flags.yaml`. */
export function loadLexicon(dir = 'triage'): Lexicon {
  const file = join(dir, LEXICON_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new LexiconError(`${file}: cannot read the red-flag lexicon (${(err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new LexiconError(`${file}: not valid YAML (${(err as Error).message})`);
  }
  return parseLexicon(raw, file);
}

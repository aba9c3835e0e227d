/**
 * Validation of incoming Bot Framework activities (POST /api/messages and the
 * Direct Line endpoint), after authentication and before the bot pipeline.
 *
 *   validateActivity(body) → { ok: true, activity } | { ok: false, status: 400, field, message }
 *
 * Rules (see docs/security.md):
 * - the body is a JSON object with `type` (a known activity type), `channelId`,
 *   `conversation.id` and `from.id` (non-empty strings);
 * - JSON fields a client controls (`value`, `channelData`, `attachments`, `entities`,
 *   `suggestedActions`) nest at most 32 levels and hold at most 64 KB each, and the body
 *   as a whole at most 40 levels, checked without recursion (src/web/request/jsonLimits.ts), so
 *   nothing accepted can later break a poll, a transcript view or an export; the fields the bot and botbuilder read have the
 *   right types; other fields pass through untouched;
 * - text and ids never contain NUL, other C0/C1 control characters (tab, CR and LF are
 *   fine in text), lone UTF-16 surrogates, or bidirectional override/isolate controls
 *   (U+202A–U+202E, U+2066–U+2069): 400 naming the field;
 * - invisible characters that are harmless but could hide a red flag from triage
 *   (zero-width space/non-joiner, word joiner, BOM, soft hyphen, LRM/RLM, and a
 *   zero-width joiner outside an emoji sequence) are removed from `text` with the one
 *   clean-up of src/domain/text.ts, so that "cl\u200Bot" is stored and triaged as "clot"
 *   (the pipeline's first step cleans again, for entry points without HTTP);
 * - text over MAX_TEXT_CHARS is NOT rejected here: the activity goes through the pipeline
 *   with its full text (so triage sees every word), and the input guard after triage
 *   (src/turn/4-inputGuard.ts) decides from the message itself that it is too long, or
 *   attachments only, and replies politely instead of the dialogs.
 */
import type { Activity } from 'botbuilder';
import { z } from 'zod';
import { stripInvisible } from '../../domain/text';
import { boundedJson, jsonBoundsProblem, MAX_BODY_DEPTH } from './jsonLimits';

const MAX_ID_CHARS = 1024;
const MAX_NAME_CHARS = 256;
const MAX_LIST = 100;

/** Activity types a channel may send to a bot. Anything else is rejected. */
export const ACCEPTED_ACTIVITY_TYPES = [
  'message',
  'conversationUpdate',
  'contactRelationUpdate',
  'typing',
  'endOfConversation',
  'event',
  'invoke',
  'deleteUserData',
  'messageUpdate',
  'messageDelete',
  'installationUpdate',
  'messageReaction',
] as const;

export type ValidationResult =
  | { ok: true; activity: Activity }
  | { ok: false; status: 400; field: string; message: string };

// --- character rules -------------------------------------------------------------

// C0 controls except TAB, LF, CR; DEL; C1 controls.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
// Ids and names: no control characters at all.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_ANY = /[\u0000-\u001F\u007F-\u009F]/;
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NONCHARACTER = /[\uFFFE\uFFFF]/;

function characterProblem(value: string, allowWhitespaceControls: boolean): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if ((allowWhitespaceControls ? CONTROL_IN_TEXT : CONTROL_ANY).test(value)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode (no lone surrogates)';
  if (BIDI_CONTROL.test(value)) return 'must not contain bidirectional override characters';
  if (NONCHARACTER.test(value)) return 'must not contain Unicode noncharacters';
  return undefined;
}

const cleanString = (max: number, allowWhitespaceControls = false) =>
  z.string().max(max, `must be at most ${max} characters`).superRefine((v, ctx) => {
    const problem = characterProblem(v, allowWhitespaceControls);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const id = cleanString(MAX_ID_CHARS).refine((v) => v.trim().length > 0, 'must not be empty');

const account = z.looseObject({
  id,
  name: cleanString(MAX_NAME_CHARS).optional().nullable(),
  role: z.string().max(64).optional().nullable(),
  aadObjectId: z.string().max(MAX_ID_CHARS).optional().nullable(),
});

const conversation = z.looseObject({
  id,
  name: cleanString(MAX_NAME_CHARS).optional().nullable(),
  isGroup: z.boolean().optional().nullable(),
  conversationType: z.string().max(64).optional().nullable(),
  tenantId: z.string().max(MAX_ID_CHARS).optional().nullable(),
});

const httpUrl = z.string().max(2048, 'must be at most 2048 characters').refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}, 'must be an http(s) URL');

const attachment = z.looseObject({
  contentType: z.string().min(1).max(256),
  contentUrl: z.string().max(8192).optional().nullable(),
  name: z.string().max(MAX_NAME_CHARS).optional().nullable(),
});

// botbuilder's mention handling reads `entity.type`, `mentioned.id` and `text`.
const entity = z.looseObject({ type: z.string().max(128) }).superRefine((e, ctx) => {
  if (e.type.toLowerCase() !== 'mention') return;
  const mention = z.looseObject({ mentioned: z.looseObject({ id: z.string().max(MAX_ID_CHARS) }), text: z.string().max(MAX_NAME_CHARS).optional().nullable() });
  const r = mention.safeParse(e);
  if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: 'is required in a mention entity', path: issue.path });
});

const activitySchema = z.looseObject({
  type: z.enum(ACCEPTED_ACTIVITY_TYPES, { message: `must be one of ${ACCEPTED_ACTIVITY_TYPES.join(', ')}` }),
  conversation,
  from: account,
  recipient: account.optional().nullable(),
  id: cleanString(MAX_ID_CHARS).optional().nullable(),
  // Required: the transcript is keyed by channel, so an activity without one could be
  // answered but never stored (a red flag nobody could review).
  channelId: cleanString(64).refine((v) => v.trim().length > 0, 'must not be empty'),
  serviceUrl: httpUrl.optional().nullable(),
  timestamp: z.string().max(64).optional().nullable(),
  localTimestamp: z.string().max(64).optional().nullable(),
  locale: cleanString(64).optional().nullable(),
  text: cleanString(Number.MAX_SAFE_INTEGER, true).optional().nullable(),
  textFormat: z.string().max(32).optional().nullable(),
  speak: z.string().optional().nullable(),
  name: cleanString(256).optional().nullable(),
  replyToId: cleanString(MAX_ID_CHARS).optional().nullable(),
  deliveryMode: z.enum(['normal', 'notification', 'expectReplies', 'ephemeral']).optional().nullable(),
  attachments: boundedJson(z.array(attachment).max(MAX_LIST)).optional().nullable(),
  entities: boundedJson(z.array(entity).max(MAX_LIST)).optional().nullable(),
  membersAdded: z.array(account).max(MAX_LIST).optional().nullable(),
  membersRemoved: z.array(account).max(MAX_LIST).optional().nullable(),
  channelData: boundedJson(z.record(z.string(), z.unknown())).optional().nullable(),
  value: boundedJson(z.unknown()).optional(),
  suggestedActions: boundedJson(z.unknown()).optional(),
}).superRefine((a, ctx) => {
  // botbuilder routes invokes by name; a nameless invoke is malformed.
  if (a.type === 'invoke' && !a.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'is required for an invoke activity' });
});

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isPlainObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.length === 0 ? 'body' : path.map((p) => String(p)).join('.');
}

/**
 * Check one incoming activity. On success the returned `activity` is the same object
 * as `body` (unknown fields kept, never copied through a schema), with `text` cleaned
 * of invisible characters.
 */
export function validateActivity(body: unknown): ValidationResult {
  if (!isPlainObject(body)) {
    return { ok: false, status: 400, field: 'body', message: 'the request body must be a JSON object (an activity)' };
  }
  // Iterative, before anything recursive (zod included) walks the body.
  for (const [key, value] of Object.entries(body)) {
    const tooDeep = jsonBoundsProblem(value, MAX_BODY_DEPTH - 1, Infinity);
    if (tooDeep) return { ok: false, status: 400, field: key, message: `${key} ${tooDeep}` };
  }
  const parsed = activitySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (!issue) return { ok: false, status: 400, field: 'body', message: 'body is not a valid activity' };
    const field = fieldName(issue.path);
    const missing = issue.code === 'invalid_type' && valueAt(body, issue.path) === undefined;
    const expected = issue.code === 'invalid_type' ? issue.expected : undefined;
    const message = missing ? `${field} is required` : expected ? `${field} must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}` : `${field} ${issue.message}`;
    return { ok: false, status: 400, field, message };
  }

  const activity = body as unknown as Activity;
  if (typeof activity.text === 'string') activity.text = stripInvisible(activity.text);
  return { ok: true, activity };
}

type DateField = 'timestamp' | 'localTimestamp' | 'expiration';
const RAW_FIELD = { timestamp: 'rawTimestamp', localTimestamp: 'rawLocalTimestamp', expiration: 'rawExpiration' } as const;

/**
 * What botbuilder's CloudAdapter does to an incoming activity before the turn (its
 * `validateAndFixActivity`, which is not part of botbuilder's public API): each date sent
 * as a string (`timestamp`, `localTimestamp`, `expiration`) becomes a `Date`, and the
 * string as sent is kept in `rawTimestamp`, `rawLocalTimestamp`, `rawExpiration` (the
 * local one keeps the sender's UTC offset, which a Date loses). A string that is not a
 * date becomes an invalid Date, as in botbuilder; the transcript store then records the
 * time it received the message instead. Changes and returns the same object.
 */
export function withDateFields(activity: Activity): Activity {
  const fields = activity as unknown as Record<string, unknown>;
  for (const field of Object.keys(RAW_FIELD) as DateField[]) {
    const value = fields[field];
    if (typeof value !== 'string') continue;
    fields[RAW_FIELD[field]] = value;
    fields[field] = new Date(value);
  }
  return activity;
}

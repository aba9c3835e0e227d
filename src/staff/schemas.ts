/** zod schemas for the staff API's query strings and bodies; errors name the parameter. */
import { z } from 'zod';
import { ESCALATION_LEVELS, URGENCY_LEVELS, type Urgency } from '../domain/urgency';
import { EXPORT_FORMATS } from './export';
import { TAXONOMY_INTENTS } from '../domain/taxonomy';
import { CONDITION_IDS } from './teaching/conditions';
import { LABEL_KINDS } from './store/teachingTypes';

/** Treat `?urgency=` like no parameter at all (forms send empty fields). */
const opt = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const isoDateOrTime = z.string({ message: 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a time zone' })
  .refine((v) => (ISO_DATE.test(v) || ISO_DATETIME.test(v)) && !Number.isNaN(Date.parse(v)), {
    message: 'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a time zone, e.g. 2026-03-01T09:00:00Z',
  });

const text = (max: number) => z.string({ message: 'must be given once, as text' }).trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const limit = (def: number, max: number) =>
  z.preprocess((v) => (v === undefined || v === '' ? def : v), z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`));

const urgencyEnum = z.enum(URGENCY_LEVELS, { message: `must be one of ${URGENCY_LEVELS.join(', ')}` });
const statusEnum = z.enum(['new', 'reviewed', 'follow_up'], { message: 'must be one of new, reviewed, follow_up' });

/** `urgent` is exactly urgent; `urgent+` (a `+` arrives as a space when not encoded) is urgent or worse. */
const urgencyFilter = z.string({ message: 'must be given once' })
  .regex(new RegExp(`^(${URGENCY_LEVELS.join('|')})[+ ]?$`), `must be one of ${URGENCY_LEVELS.join(', ')}, or a level followed by + for "at least" (e.g. urgent+)`)
  .transform((v) => ({ level: v.replace(/[+ ]$/, '') as Urgency, atLeast: /[+ ]$/.test(v) }));
const flag = z.enum(['1', 'true', '0', 'false'], { message: 'must be 1 or 0' }).transform((v) => v === '1' || v === 'true');

export const listQuery = z.strictObject({
  urgency: z.preprocess((v) => (typeof v === 'string' && v === '' ? undefined : v), urgencyFilter.optional()),
  minUrgency: opt(urgencyEnum),
  /** Also list conversations without any patient message (the widget opened, nothing typed). */
  includeEmpty: opt(flag),
  intent: opt(text(100)),
  status: opt(statusEnum),
  from: opt(isoDateOrTime),
  to: opt(isoDateOrTime),
  q: opt(text(200)),
  channel: opt(text(64)),
  cursor: opt(text(1000)),
  limit: limit(25, 100),
});

export const exportQuery = z.strictObject({
  format: z.preprocess((v) => (v === undefined || v === '' ? 'transcript' : v), z.enum(EXPORT_FORMATS, { message: `must be one of ${EXPORT_FORMATS.join(', ')}` })),
});

export const statsQuery = z.strictObject({
  days: z.preprocess((v) => (v === undefined || v === '' ? '7' : v), z.enum(['1', '7', '30', '90'], { message: 'must be one of 1, 7, 30, 90' })).transform(Number),
});

export const inboxQuery = z.strictObject({
  days: z.preprocess((v) => (v === undefined || v === '' ? '30' : v), z.enum(['7', '30', '90'], { message: 'must be one of 7, 30, 90' })).transform(Number),
});

export const weeklyQuery = z.strictObject({
  weeks: limit(8, 26),
});

export const labelBody = z.strictObject({
  seq: z.number({ message: 'must be the seq of a patient message in this conversation' }).int('must be a whole number').positive('must be positive'),
  kind: z.enum(LABEL_KINDS, { message: `must be one of ${LABEL_KINDS.join(', ')}` }),
  intent: z.enum(TAXONOMY_INTENTS, { message: 'must be an intent of the taxonomy' }).optional(),
  condition: z.enum(CONDITION_IDS as [string, ...string[]], { message: `must be one of ${CONDITION_IDS.join(', ')}` }).optional(),
  level: z.enum(ESCALATION_LEVELS, { message: `must be ${ESCALATION_LEVELS.join(' or ')}` }).optional(),
}, { message: 'the body must be a JSON object' }).superRefine((b, ctx) => {
  if (b.kind === 'intent' && !b.intent) ctx.addIssue({ code: 'custom', path: ['intent'], message: 'is required to teach an intent' });
  if (b.kind === 'missed_red_flag' && !b.condition) ctx.addIssue({ code: 'custom', path: ['condition'], message: 'is required for a missed red flag' });
  if (b.kind === 'missed_red_flag' && !b.level) ctx.addIssue({ code: 'custom', path: ['level'], message: 'is required for a missed red flag' });
  if (b.kind !== 'intent' && b.intent) ctx.addIssue({ code: 'custom', path: ['intent'], message: `does not go with kind ${b.kind}` });
  if (b.kind !== 'missed_red_flag' && (b.condition || b.level)) ctx.addIssue({ code: 'custom', path: [b.condition ? 'condition' : 'level'], message: `does not go with kind ${b.kind}` });
});

export const auditQuery = z.strictObject({
  action: opt(text(64)),
  actor: opt(text(64)),
  conversation: opt(text(600)),
  cursor: opt(z.string().regex(/^\d{1,15}$/, 'is not a cursor from this API')),
  limit: limit(50, 200),
});

export const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} _.-]*$/u;

export const reviewBody = z.strictObject({
  status: statusEnum.optional(),
  tags: z.array(text(40).regex(TAG_PATTERN, 'tags use letters, digits, spaces, . _ -'), { message: 'must be a list of tags' })
    .max(20, 'at most 20 tags').transform((tags) => [...new Set(tags)]).optional(),
  note: z.string({ message: 'must be text' }).max(2000, 'must be at most 2000 characters').optional(),
}, { message: 'the body must be a JSON object' }).refine((b) => b.status !== undefined || b.tags !== undefined || b.note !== undefined, {
  message: 'give at least one of status, tags, note',
  path: ['status'],
});

export const loginBody = z.object({
  token: z.string({ message: 'is required' }).min(1, 'is required').max(200, 'is not a staff token'),
}, { message: 'the body must be a JSON object with a token' });

/** The first problem of a failed parse, as `{ field, message }`. */
export function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { field: 'request', message: 'is invalid' };
  if (issue.code === 'unrecognized_keys') {
    const field = issue.keys[0] ?? 'request';
    return { field, message: `unknown parameter "${field}"` };
  }
  const field = issue.path.length ? issue.path.map(String).join('.') : 'body';
  return { field, message: `${field} ${issue.message}` };
}

/**
 * Configuration: read from the environment (and `.env`), validated with zod.
 * A bad value stops start-up with one line that names the variable and the problem.
 * Every key here is documented in `.env.example` and in the README's settings table.
 */
import { z } from 'zod';

const emptyToUndefined = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.url({ message: 'must be a full URL such as https://example.org/path' }).optional());
const bool = (def: boolean) =>
  z.preprocess(emptyToUndefined, z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).optional())
    .transform((v) => (v === undefined ? def : v === 'true' || v === '1'));
const int = (def: number, min: number, max: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`).optional())
    .transform((v) => v ?? def);
const ratio = (def: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number({ message: 'must be a number' }).min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').optional())
    .transform((v) => v ?? def);

/** WCAG contrast ratio of a #rrggbb colour against white. */
export function contrastWithWhite(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
  return 1.05 / (luminance + 0.05);
}

const brandColor = z.preprocess(emptyToUndefined, z.string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour as #rrggbb, e.g. #0b6e4f')
  .refine((c) => contrastWithWhite(c) >= 4.5, { message: 'must be dark enough for white text on it (contrast at least 4.5:1)' })
  .optional()).transform((v) => v ?? '#0b6e4f');

export const configSchema = z.object({
  // Bot Framework (standard keys; empty for local use and the Emulator)
  MicrosoftAppId: optionalString,
  MicrosoftAppPassword: optionalString,
  MicrosoftAppType: z.preprocess(emptyToUndefined, z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI'], { message: 'must be one of MultiTenant, SingleTenant, UserAssignedMSI' }).optional()).transform((v) => v ?? 'MultiTenant'),
  MicrosoftAppTenantId: optionalString,

  // Service
  PORT: int(3978, 0, 65535),
  HOST: z.preprocess(emptyToUndefined, z.string().optional()).transform((v) => v ?? '0.0.0.0'),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be one of fatal, error, warn, info, debug, trace, silent' }).optional()).transform((v) => v ?? 'info'),
  PUBLIC_BASE_URL: optionalUrl,

  // Storage
  DATABASE_URL: z.preprocess(emptyToUndefined, z.string().optional()).transform((v) => v ?? 'sqlite:./data/calfbot.db')
    .refine((v) => /^(sqlite:|postgres:|postgresql:|memory:)/.test(v), { message: 'must start with sqlite:, postgres:// or memory:' }),
  TRANSCRIPT_RETENTION_DAYS: int(90, 1, 3650),
  // Longest wait for one database call (connect, query, SQLite lock), so an outage fails fast
  DATABASE_TIMEOUT_MS: int(1500, 100, 60_000),
  // Where writes the database refused wait to be replayed (default: beside the SQLite file, or ./data/outbox-<hash>.jsonl)
  OUTBOX_FILE: optionalString,
  OUTBOX_REPLAY_MS: int(2000, 100, 600_000),

  // Clinic
  CLINIC_NAME: z.preprocess(emptyToUndefined, z.string().optional()).transform((v) => v ?? 'Riverside Physiotherapy & Rehab'),
  CLINIC_PHONE: z.preprocess(emptyToUndefined, z.string().regex(/^\+?[0-9 ()-]{5,20}$/, 'must be a phone number such as +44 20 7946 0000').optional()).transform((v) => v ?? '+44 20 7946 0000'),
  CLINIC_BOOKING_URL: optionalUrl.transform((v) => v ?? 'https://example.org/book'),
  EMERGENCY_NUMBER: z.preprocess(emptyToUndefined, z.string().regex(/^[0-9]{2,6}$/, 'must be a short emergency number such as 911, 999 or 112').optional()).transform((v) => v ?? '999'),
  // Same-day medical assessment for a suspected clot or circulation problem, offered before the clinic.
  URGENT_CARE_NAME: z.preprocess(emptyToUndefined, z.string().max(60).optional()).transform((v) => v ?? 'NHS 111'),
  URGENT_CARE_NUMBER: z.preprocess(emptyToUndefined, z.string().regex(/^\+?[0-9 ()-]{2,20}$/, 'must be a phone number such as 111').optional()).transform((v) => v ?? '111'),
  URGENT_CARE_URL: optionalUrl.transform((v) => v ?? 'https://111.nhs.uk/'),
  // Branding of the web widget and demo page
  CLINIC_COLOR: brandColor,
  CLINIC_LOGO_URL: z.preprocess(emptyToUndefined, z.string()
    .regex(/^(https:\/\/[^\s"'<>]+|\/[^\s"'<>]*)$/, 'must be an https:// URL or a path on this server such as /site/logo.svg').optional()),
  CLINIC_HOURS: z.preprocess(emptyToUndefined, z.string().max(200, 'must be at most 200 characters').optional()).transform((v) => v ?? 'Monday–Friday 8:00–19:00, Saturday 9:00–13:00'),
  // Each answer ends with "From: <document title> — <section>" (titles from dialogs/_sources.yaml)
  SHOW_SOURCES: bool(true),

  // Escalation alerts to staff
  ESCALATION_WEBHOOK_URL: optionalUrl,
  ESCALATION_INCLUDE_TEXT: bool(false),

  // Intent recognition thresholds (chosen from the evaluation data; see docs in README)
  NLU_ANSWER_THRESHOLD: ratio(0.75),
  NLU_FALLBACK_FLOOR: ratio(0.1),
  NLU_CLARIFY_MARGIN: ratio(0.1),

  // Channels
  DIRECT_LINE_SECRET: optionalString,
  DIRECT_LINE_ENDPOINT: optionalUrl.transform((v) => v ?? 'https://directline.botframework.com'),
  FRAME_ANCESTORS: z.preprocess(emptyToUndefined, z.string().regex(/^[^;,\r\n]*$/, 'must be a space-separated list of CSP sources (no ; or ,)').optional()).transform((v) => v ?? "'self'"),

  // Abuse limits
  RATE_LIMIT_MESSAGES: int(20, 1, 10_000),
  RATE_LIMIT_WINDOW_SECONDS: int(10, 1, 3600),
  // Hard ceilings per minute (429 with Retry-After), shared between instances through the
  // PostgreSQL table rate_limits when DATABASE_URL is PostgreSQL, in memory otherwise.
  // Per client address: Direct Line posts, and /api/messages when the bot runs without
  // MicrosoftAppId (with it, every request comes from the Bot Framework service's addresses).
  RATE_LIMIT_ADDRESS_PER_MINUTE: int(120, 1, 1_000_000),
  // Per conversation, on /api/messages and Direct Line (above RATE_LIMIT_MESSAGES' polite reply).
  RATE_LIMIT_CONVERSATION_PER_MINUTE: int(60, 1, 1_000_000),
  // New web chat conversations (Direct Line tokens) per client address.
  RATE_LIMIT_NEW_CONVERSATIONS_PER_MINUTE: int(30, 1, 1_000_000),
  // Self-hosted Direct Line memory: all conversations together, one conversation, one poll.
  DIRECT_LINE_MAX_MB: int(64, 1, 65_536),
  DIRECT_LINE_CONVERSATION_MAX_KB: int(1024, 16, 1_048_576),
  DIRECT_LINE_POLL_MAX_KB: int(512, 16, 1_048_576),
  // Behind one reverse proxy (e.g. Azure App Service): take the client address from X-Forwarded-For
  TRUST_PROXY: bool(false),

  // Staff console
  STAFF_SESSION_HOURS: int(8, 1, 168),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** Validate an environment; throws ConfigError with one line per bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => {
    const name = i.path.join('.') || 'configuration';
    const value = env[name];
    return `Invalid configuration: ${name}${value !== undefined ? `=${JSON.stringify(value)}` : ''} ${i.message}`;
  });
  throw new ConfigError(lines.join('\n'));
}

/** Configuration for tests and tools: defaults, with overrides. Never reads `.env`. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig({ DATABASE_URL: 'memory:', LOG_LEVEL: 'silent', ...overrides });
}

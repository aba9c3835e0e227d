/**
 * Configuration: read from the environment (and `.env`), validated with zod.
 * A bad value stops start-up with one line that names the variable and the problem.
 * Every key here is documented in `.env.example`; its `.describe()` text and default make the
 * settings table in docs/configuration.md (`npm run docs:settings`; tests/docs.test.ts checks it).
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
  MicrosoftAppId: optionalString.describe('Bot Framework app id. Empty: no channel authentication (local use, Emulator). Set: every `/api/messages` request needs a valid Bot Framework JWT.'),
  MicrosoftAppPassword: optionalString.describe('The app\'s client secret; replies to Teams and Azure channels use it to get a token.'),
  MicrosoftAppType: z.preprocess(emptyToUndefined, z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI'], { message: 'must be one of MultiTenant, SingleTenant, UserAssignedMSI' }).optional()).transform((v) => v ?? 'MultiTenant').describe('`MultiTenant`, `SingleTenant` or `UserAssignedMSI`.'),
  MicrosoftAppTenantId: optionalString.describe('Tenant id, for `SingleTenant` and `UserAssignedMSI`.'),

  // Service
  PORT: int(3978, 0, 65535).describe('HTTP port.'),
  HOST: z.preprocess(emptyToUndefined, z.string().optional()).transform((v) => v ?? '0.0.0.0').describe('Address to listen on.'),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be one of fatal, error, warn, info, debug, trace, silent' }).optional()).transform((v) => v ?? 'info').describe('`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. JSON logs (pino); message text is never logged.'),
  PUBLIC_BASE_URL: optionalUrl.describe('The bot\'s public address, used for links to the staff console (escalation alerts) and to mark the session cookie `Secure` when it is https.'),
  // After a busy spell, one background garbage collection once the bot is quiet (src/idleMemory.ts)
  IDLE_GC_SECONDS: int(10, 0, 3600).describe('After a busy spell, once the bot has been quiet this many seconds, one background garbage collection lets V8 give back the memory it grew under load (0: never).'),

  // Storage
  DATABASE_URL: z.preprocess(emptyToUndefined, z.string().optional()).transform((v) => v ?? 'sqlite:./data/calfbot.db')
    .refine((v) => /^(sqlite:|postgres:|postgresql:|memory:)/.test(v), { message: 'must start with sqlite:, postgres:// or memory:' }).describe('Storage: `sqlite:PATH`, `postgres://user:pass@host:5432/db` (optionally `?schema=NAME`), or `memory:` (tests).'),
  TRANSCRIPT_RETENTION_DAYS: int(90, 1, 3650).describe('Transcripts older than this are deleted, hourly and by `npm run purge` (1–3650).'),
  // Longest wait for one database call (connect, query, SQLite lock), so an outage fails fast
  DATABASE_TIMEOUT_MS: int(1500, 100, 60_000).describe('Longest wait for one database call (PostgreSQL connect and query, SQLite lock wait), so a silent network drop fails as fast as a refused connection.'),
  // Where writes the database refused wait to be replayed (default: beside the SQLite file, or ./data/outbox-<hash>.jsonl)
  OUTBOX_FILE: optionalString.describe('Local file where writes the database could not take wait to be replayed. Empty: beside the SQLite file, or `./data/outbox-<hash>.jsonl` for PostgreSQL. One per instance, on local disk.'),
  OUTBOX_REPLAY_MS: int(2000, 100, 600_000).describe('How often the outbox is replayed and a down database probed.'),

  // Clinic
  CLINIC_NAME: z.preprocess(emptyToUndefined, z.string().optional()).transform((v) => v ?? 'Riverside Physiotherapy & Rehab').describe('Shown in the welcome, the booking answer and the urgent-care card.'),
  CLINIC_PHONE: z.preprocess(emptyToUndefined, z.string().regex(/^\+?[0-9 ()-]{5,20}$/, 'must be a phone number such as +44 20 7946 0000').optional()).transform((v) => v ?? '+44 20 7946 0000').describe('The clinic\'s phone number; the urgent-care card\'s call button dials it.'),
  CLINIC_BOOKING_URL: optionalUrl.transform((v) => v ?? 'https://example.org/book').describe('The booking link.'),
  EMERGENCY_NUMBER: z.preprocess(emptyToUndefined, z.string().regex(/^[0-9]{2,6}$/, 'must be a short emergency number such as 911, 999 or 112').optional()).transform((v) => v ?? '999').describe('Shown on emergency escalations: `999` (UK), `911` (US), `112` (EU)…'),
  // Same-day medical assessment for a suspected clot or circulation problem, offered before the clinic.
  URGENT_CARE_NAME: z.preprocess(emptyToUndefined, z.string().max(60).optional()).transform((v) => v ?? 'NHS 111').describe('Same-day medical assessment, offered first on the urgent card (a suspected clot or circulation problem needs a doctor before the clinic): its name. A US clinic: a nurse line or urgent care centre.'),
  URGENT_CARE_NUMBER: z.preprocess(emptyToUndefined, z.string().regex(/^\+?[0-9 ()-]{2,20}$/, 'must be a phone number such as 111').optional()).transform((v) => v ?? '111').describe('The urgent-care service\'s phone number (e.g. `116117` in Germany).'),
  URGENT_CARE_URL: optionalUrl.transform((v) => v ?? 'https://111.nhs.uk/').describe('The urgent-care service\'s web page.'),
  // Branding of the web widget and demo page
  CLINIC_COLOR: brandColor.describe('Accent colour of the chat widget and demo page (`#rrggbb`; must be dark enough for white text, 4.5:1).'),
  CLINIC_LOGO_URL: z.preprocess(emptyToUndefined, z.string()
    .regex(/^(https:\/\/[^\s"'<>]+|\/[^\s"'<>]*)$/, 'must be an https:// URL or a path on this server such as /site/logo.svg').optional()).describe('Logo on the demo page and the chat header: an `https://` URL or a path on the bot.'),
  CLINIC_HOURS: z.preprocess(emptyToUndefined, z.string().max(200, 'must be at most 200 characters').optional()).transform((v) => v ?? 'Monday–Friday 8:00–19:00, Saturday 9:00–13:00').describe('Opening hours on the demo page (at most 200 characters).'),
  // Each answer ends with "From: <document title> — <section>" (titles from dialogs/_sources.yaml)
  SHOW_SOURCES: bool(true).describe('End each answer with a short "From: <document> — <section>" line (web, Teams, terminal).'),

  // Escalation alerts to staff
  ESCALATION_WEBHOOK_URL: optionalUrl.describe('When set, each urgent or emergency escalation POSTs an alert card here (a Teams incoming webhook works). Retried with backoff; never delays the user\'s reply.'),
  ESCALATION_INCLUDE_TEXT: bool(false).describe('Include the patient\'s (redacted) message in the alert.'),

  // Intent recognition thresholds (chosen from the evaluation data; see docs/nlu.md)
  NLU_ANSWER_THRESHOLD: ratio(0.75).describe('At or above this confidence (and clear of the runner-up) the top intent is answered.'),
  NLU_FALLBACK_FLOOR: ratio(0.1).describe('Below this the message gets the "I can help with…" menu. In between: "Did you mean…?".'),
  NLU_CLARIFY_MARGIN: ratio(0.1).describe('When the runner-up is this close to the top intent, the bot asks which was meant.'),

  // Channels
  DIRECT_LINE_SECRET: optionalString.describe('Azure Bot Service Direct Line secret. When set, the widget gets per-conversation tokens from `POST /api/directline/token`; the secret never reaches the browser. Empty: the self-hosted Direct Line endpoint.'),
  DIRECT_LINE_ENDPOINT: optionalUrl.transform((v) => v ?? 'https://directline.botframework.com').describe('Azure Direct Line endpoint (regional endpoints differ).'),
  FRAME_ANCESTORS: z.preprocess(emptyToUndefined, z.string().regex(/^[^;,\r\n]*$/, 'must be a space-separated list of CSP sources (no ; or ,)').optional()).transform((v) => v ?? "'self'").describe('CSP `frame-ancestors` for the widget pages: the sites allowed to embed the chat, space-separated.'),

  // Abuse limits
  RATE_LIMIT_MESSAGES: int(20, 1, 10_000).describe('Messages per conversation allowed in `RATE_LIMIT_WINDOW_SECONDS`; more get a polite "slow down" (red-flag triage still runs on them).'),
  RATE_LIMIT_WINDOW_SECONDS: int(10, 1, 3600).describe('The window of `RATE_LIMIT_MESSAGES`.'),
  // Hard ceilings per minute (429 with Retry-After), shared between instances through the
  // PostgreSQL table rate_limits when DATABASE_URL is PostgreSQL, in memory otherwise.
  // Per client address: Direct Line posts, and /api/messages when the bot runs without
  // MicrosoftAppId (with it, every request comes from the Bot Framework service's addresses).
  RATE_LIMIT_ADDRESS_PER_MINUTE: int(120, 1, 1_000_000).describe('Hard ceiling (429) on messages per client address: Direct Line posts, and `/api/messages` when `MicrosoftAppId` is empty. Shared by all instances on PostgreSQL.'),
  // Per conversation, on /api/messages and Direct Line (above RATE_LIMIT_MESSAGES' polite reply).
  RATE_LIMIT_CONVERSATION_PER_MINUTE: int(60, 1, 1_000_000).describe('Hard ceiling (429) on messages per conversation, on `/api/messages` and Direct Line. Shared by all instances on PostgreSQL.'),
  // New web chat conversations (Direct Line tokens) per client address.
  RATE_LIMIT_NEW_CONVERSATIONS_PER_MINUTE: int(30, 1, 1_000_000).describe('New web chat conversations (Direct Line tokens) per client address.'),
  // Self-hosted Direct Line memory: all conversations together, one conversation, one poll.
  DIRECT_LINE_MAX_MB: int(64, 1, 65_536).describe('Memory for all self-hosted Direct Line conversations together; the longest idle are evicted first.'),
  DIRECT_LINE_CONVERSATION_MAX_KB: int(1024, 16, 1_048_576).describe('Memory for one Direct Line conversation; its oldest activities are dropped first.'),
  DIRECT_LINE_POLL_MAX_KB: int(512, 16, 1_048_576).describe('Most activity data one Direct Line poll returns; the rest comes on the next poll.'),
  // Behind one reverse proxy (e.g. Azure App Service): take the client address from X-Forwarded-For
  TRUST_PROXY: bool(false).describe('Take the client address from the rightmost `X-Forwarded-For` entry (only behind exactly one trusted reverse proxy, e.g. Azure App Service); used by the per-address limits.'),

  // Staff console
  STAFF_SESSION_HOURS: int(8, 1, 168).describe('How long a staff console session lasts (1–168).'),
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

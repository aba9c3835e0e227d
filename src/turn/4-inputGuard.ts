/**
 * Abuse limits and input notices, in the pipeline right AFTER triage
 * (src/turn/pipeline.ts holds the order):
 *
 *   normalise → transcript → triage → input guard (this) → after escalation → dialogs
 *
 * so red-flag triage always runs first — on a rate-limited message, on an oversized one
 * (triage sees the whole text, not a truncated one), on everything — and an escalation is
 * never held back by these limits.
 *
 * For each incoming message, whatever the channel (HTTP, Direct Line, Teams, the terminal
 * chat), decided from the normalised activity itself:
 * 1. per-conversation rate limit: at most RATE_LIMIT_MESSAGES in RATE_LIMIT_WINDOW_SECONDS.
 *    Over the limit the bot does not run; the first limited message of a window gets one
 *    polite reply, later ones none (no reply amplification).
 * 2. text longer than MAX_TEXT_CHARS (src/domain/text.ts): a polite "too long" reply
 *    instead of the dialogs.
 * 3. attachments with no text (a card's value counts as text, step 1 made it the text):
 *    a polite "I can only read typed messages" reply.
 * If triage already escalated this turn, the escalation is the answer: no extra notice.
 *
 * The counters are rate-limiter-flexible's in-memory limiter (the library every limit
 * in the service uses): a conversation is forgotten when its window ends, so memory
 * holds only the conversations that wrote within the last window. It needs no storage,
 * so it keeps working when the database is down.
 */
import type { Activity, Middleware, TurnContext } from 'botbuilder';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { retryAfterSeconds } from '../domain/retryAfter';
import type { Config } from '../config';
import { MAX_TEXT_CHARS } from '../domain/text';
import type { Logger } from '../logger';
import { turnMeta } from './turnMeta';

const SAFETY_LINE = 'If your leg is swollen, red, warm or very painful, or you feel short of breath, do not wait for me: seek medical care now.';

export function rateLimitedText(retryAfterSeconds: number): string {
  return `You're sending messages faster than I can answer. Please wait about ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'} and send your question again. ${SAFETY_LINE}`;
}

export const TOO_LONG_TEXT = `That message is too long for me: I can read up to ${MAX_TEXT_CHARS.toLocaleString('en-GB')} characters. Please send a shorter message, one question at a time. ${SAFETY_LINE}`;

export const ATTACHMENTS_ONLY_TEXT = `I can only read typed messages, not files or pictures. Please describe your question in words. ${SAFETY_LINE}`;

/** What the guard answers instead of the dialogs, for a message it lets through the rate limit. */
export type InputNotice = 'tooLong' | 'attachmentsOnly' | null;

/** Decides from the (normalised) message alone: too long, attachments only, or fine. */
export function inputNotice(activity: Pick<Partial<Activity>, 'type' | 'text' | 'value' | 'attachments'>): InputNotice {
  if (activity.type !== 'message') return null;
  const text = typeof activity.text === 'string' ? activity.text : '';
  if (text.length > MAX_TEXT_CHARS) return 'tooLong';
  if (!text.trim() && activity.value === undefined && (activity.attachments?.length ?? 0) > 0) return 'attachmentsOnly';
  return null;
}

export interface RateLimitOptions {
  config: Pick<Config, 'RATE_LIMIT_MESSAGES' | 'RATE_LIMIT_WINDOW_SECONDS'>;
  logger: Logger;
}

/** Resolves to 0 when `key` may go on, else to the seconds until it may again. */
async function consume(limiter: RateLimiterMemory, key: string): Promise<number> {
  try {
    await limiter.consume(key);
    return 0;
  } catch (res) {
    if (res instanceof RateLimiterRes) return retryAfterSeconds(res.msBeforeNext);
    throw res;
  }
}

export class InputGuardMiddleware implements Middleware {
  private readonly limiter: RateLimiterMemory;
  /** One "slow down" notice per conversation and window. */
  private readonly notices: RateLimiterMemory;
  private readonly logger: Logger;

  constructor(options: RateLimitOptions) {
    this.logger = options.logger;
    const duration = options.config.RATE_LIMIT_WINDOW_SECONDS;
    this.limiter = new RateLimiterMemory({ keyPrefix: 'turn', points: options.config.RATE_LIMIT_MESSAGES, duration });
    this.notices = new RateLimiterMemory({ keyPrefix: 'turn-notice', points: 1, duration });
  }

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const activity = context.activity;
    if (activity.type !== 'message') return next();
    const meta = turnMeta(context);
    const key = `${activity.channelId ?? ''}\u0000${activity.conversation?.id ?? ''}`;

    const retryAfter = await consume(this.limiter, key);
    if (retryAfter > 0) {
      this.logger.info({ conversationId: activity.conversation?.id, urgency: meta.urgency, escalated: meta.escalated }, 'conversation rate-limited');
      if (!meta.escalated && (await consume(this.notices, key)) === 0) {
        await context.sendActivity({ type: 'message', text: rateLimitedText(retryAfter), channelData: { intent: null } });
      }
      return;
    }

    const notice = inputNotice(activity);
    if (notice === 'tooLong') {
      this.logger.info({ conversationId: activity.conversation?.id, length: activity.text?.length ?? 0, urgency: meta.urgency }, 'oversized message');
      if (!meta.escalated) await context.sendActivity({ type: 'message', text: TOO_LONG_TEXT, channelData: { intent: null } });
      return;
    }
    if (notice === 'attachmentsOnly') {
      if (!meta.escalated) await context.sendActivity({ type: 'message', text: ATTACHMENTS_ONLY_TEXT, channelData: { intent: null } });
      return;
    }
    return next();
  }
}

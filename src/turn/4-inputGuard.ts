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
 * For each incoming message:
 * 1. per-conversation rate limit: at most RATE_LIMIT_MESSAGES in RATE_LIMIT_WINDOW_SECONDS
 *    (sliding window). Over the limit the bot does not run; the first limited message of a
 *    window gets one polite reply, later ones none (no reply amplification).
 * 2. text longer than MAX_TEXT_CHARS (flag set by validateActivity): a polite "too long"
 *    reply instead of the dialogs.
 * 3. attachments with no text: a polite "I can only read typed messages" reply.
 * If triage already escalated this turn, the escalation is the answer: no extra notice.
 *
 * State is in memory, bounded: at most MAX_CONVERSATIONS keys (LRU), O(1) per key.
 * It needs no storage, so it keeps working when the database is down.
 */
import type { Middleware, TurnContext } from 'botbuilder';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { turnMeta } from './turnMeta';
import { inputFlags, MAX_TEXT_CHARS } from '../web/request/activitySchema';
import { IpRateLimiter } from '../web/request/ipRateLimit';

export const MAX_CONVERSATIONS = 50_000;

const SAFETY_LINE = 'If your leg is swollen, red, warm or very painful, or you feel short of breath, do not wait for me: seek medical care now.';

export function rateLimitedText(retryAfterSeconds: number): string {
  return `You're sending messages faster than I can answer. Please wait about ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'} and send your question again. ${SAFETY_LINE}`;
}

export const TOO_LONG_TEXT = `That message is too long for me: I can read up to ${MAX_TEXT_CHARS.toLocaleString('en-GB')} characters. Please send a shorter message, one question at a time. ${SAFETY_LINE}`;

export const ATTACHMENTS_ONLY_TEXT = `I can only read typed messages, not files or pictures. Please describe your question in words. ${SAFETY_LINE}`;

export interface RateLimitOptions {
  config: Pick<Config, 'RATE_LIMIT_MESSAGES' | 'RATE_LIMIT_WINDOW_SECONDS'>;
  logger: Logger;
  maxConversations?: number;
  now?: () => number;
}

export class RateLimitMiddleware implements Middleware {
  private readonly limiter: IpRateLimiter;
  /** When each conversation last got the "slow down" notice (bounded LRU). */
  private readonly noticed = new Map<string, number>();
  private readonly maxConversations: number;
  private readonly now: () => number;
  private readonly logger: Logger;

  constructor(options: RateLimitOptions) {
    this.maxConversations = options.maxConversations ?? MAX_CONVERSATIONS;
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
    this.limiter = new IpRateLimiter({
      limit: options.config.RATE_LIMIT_MESSAGES,
      windowMs: options.config.RATE_LIMIT_WINDOW_SECONDS * 1000,
      maxKeys: this.maxConversations,
      now: this.now,
    });
  }

  /** Conversations currently tracked (bounded). */
  get size(): number {
    return this.limiter.size;
  }

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const activity = context.activity;
    if (activity.type !== 'message') return next();
    const meta = turnMeta(context);
    const key = `${activity.channelId ?? ''}\u0000${activity.conversation?.id ?? ''}`;

    const decision = this.limiter.hit(key);
    if (!decision.allowed) {
      this.logger.info({ conversationId: activity.conversation?.id, urgency: meta.urgency, escalated: meta.escalated }, 'conversation rate-limited');
      if (!meta.escalated && this.shouldNotice(key)) {
        await context.sendActivity({ type: 'message', text: rateLimitedText(decision.retryAfterSeconds), channelData: { intent: null } });
      }
      return;
    }

    const flags = inputFlags(activity);
    if (flags.oversized) {
      this.logger.info({ conversationId: activity.conversation?.id, length: flags.originalLength, urgency: meta.urgency }, 'oversized message');
      if (!meta.escalated) await context.sendActivity({ type: 'message', text: TOO_LONG_TEXT, channelData: { intent: null } });
      return;
    }
    if (flags.attachmentsOnly) {
      if (!meta.escalated) await context.sendActivity({ type: 'message', text: ATTACHMENTS_ONLY_TEXT, channelData: { intent: null } });
      return;
    }
    return next();
  }

  private shouldNotice(key: string): boolean {
    const now = this.now();
    const last = this.noticed.get(key);
    const windowMs = this.limiter.windowMs;
    if (last !== undefined && now - last < windowMs) return false;
    this.noticed.delete(key);
    this.noticed.set(key, now);
    while (this.noticed.size > this.maxConversations) this.noticed.delete(this.noticed.keys().next().value as string);
    return true;
  }
}

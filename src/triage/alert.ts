/**
 * Optional staff alert: when ESCALATION_WEBHOOK_URL is set, every escalation is POSTed
 * as a message with an Adaptive Card (the format a Teams incoming webhook accepts).
 * Fire-and-forget: the user's reply never waits for it, failures are retried with
 * backoff and then logged (never with the message text).
 */
import type { Config } from '../config';
import { redact } from '../storage/redact';
import type { Logger } from '../logger';
import type { EscalationLevel } from '../domain/urgency';

export interface EscalationAlertEvent {
  level: EscalationLevel;
  reasons: string[];
  conversationId: string;
  channelId?: string;
  time?: Date;
  /** The user's message: only sent when ESCALATION_INCLUDE_TEXT=true. */
  text?: string;
}

export interface EscalationAlertOptions {
  url: string;
  includeText: boolean;
  publicBaseUrl?: string;
  logger: Logger;
  /** Delays before attempts 2, 3, ... (ms). Default 500, 1000, 2000 → up to 4 attempts. */
  backoffMs?: number[];
  /** Total attempts (default 3). */
  attempts?: number;
  /** Per-attempt timeout (ms, default 3000). */
  timeoutMs?: number;
  /** One alert per conversation and level within this period (ms, default 10 minutes). */
  dedupeMs?: number;
}

const MAX_REMEMBERED = 10_000;

export class EscalationAlert {
  private readonly inFlight = new Set<Promise<boolean>>();
  /** When each conversation and level was last alerted, so a repeated red flag alerts once. */
  private readonly lastAlerted = new Map<string, number>();
  private readonly backoffMs: number[];
  private readonly attempts: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: EscalationAlertOptions) {
    this.backoffMs = options.backoffMs ?? [500, 1000, 2000];
    this.attempts = options.attempts ?? 3;
    this.timeoutMs = options.timeoutMs ?? 3000;
  }

  /** Link to the conversation in the staff console (relative when PUBLIC_BASE_URL is unset). */
  transcriptLink(conversationId: string, channelId = 'unknown'): string {
    const base = (this.options.publicBaseUrl ?? '').replace(/\/+$/, '');
    return `${base}/staff/#/c/${encodeURIComponent(`${channelId}:${conversationId}`)}`;
  }

  /** The JSON body: a Teams-compatible message with an Adaptive Card attachment. */
  payload(event: EscalationAlertEvent): Record<string, unknown> {
    const time = (event.time ?? new Date()).toISOString();
    const title = event.level === 'emergency' ? 'EMERGENCY escalation (calfbot)' : 'Urgent escalation (calfbot)';
    const facts = [
      { title: 'Level', value: event.level },
      { title: 'Time', value: time },
      { title: 'Conversation', value: event.conversationId },
      { title: 'Red flags', value: event.reasons.join(', ') || '-' },
      ...(event.channelId ? [{ title: 'Channel', value: event.channelId }] : []),
    ];
    const body: Record<string, unknown>[] = [
      { type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', color: event.level === 'emergency' ? 'Attention' : 'Warning', wrap: true },
      { type: 'FactSet', facts },
    ];
    if (this.options.includeText && event.text) body.push({ type: 'TextBlock', text: redact(event.text), wrap: true, isSubtle: true });
    const link = this.transcriptLink(event.conversationId, event.channelId);
    return {
      type: 'message',
      summary: `${title}: ${event.conversationId}`,
      attachments: [{
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          type: 'AdaptiveCard',
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          version: '1.4',
          body,
          actions: [{ type: 'Action.OpenUrl', title: 'Open transcript', url: link }],
        },
      }],
    };
  }

  /** Start sending; returns at once. The promise resolves true when delivered, false after the last failure. */
  send(event: EscalationAlertEvent): Promise<boolean> {
    if (this.isRepeat(event)) return Promise.resolve(false);
    const p = this.deliver(event).catch(() => false);
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  private isRepeat(event: EscalationAlertEvent): boolean {
    const key = `${event.channelId ?? ''}\u0000${event.conversationId}\u0000${event.level}`;
    const now = (event.time ?? new Date()).getTime();
    const last = this.lastAlerted.get(key);
    if (last !== undefined && now - last < (this.options.dedupeMs ?? 600_000)) return true;
    this.lastAlerted.delete(key);
    this.lastAlerted.set(key, now);
    if (this.lastAlerted.size > MAX_REMEMBERED) this.lastAlerted.delete(this.lastAlerted.keys().next().value as string);
    return false;
  }

  /** Wait for alerts still being sent (tests, graceful shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async deliver(event: EscalationAlertEvent): Promise<boolean> {
    const body = JSON.stringify(this.payload(event));
    const log = this.options.logger;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await sleep(this.backoffMs[Math.min(attempt - 2, this.backoffMs.length - 1)] ?? 0);
      try {
        const res = await fetch(this.options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        // drain the body so the connection is released
        await res.text().catch(() => '');
        if (res.ok) {
          log.info({ conversationId: event.conversationId, level: event.level, attempt }, 'escalation alert sent');
          return true;
        }
        log.warn({ conversationId: event.conversationId, level: event.level, attempt, status: res.status }, 'escalation alert rejected');
      } catch (err) {
        const e = err as Error;
        log.warn({ conversationId: event.conversationId, level: event.level, attempt, error: e.name === 'TimeoutError' ? 'timeout' : e.name }, 'escalation alert failed');
      }
    }
    log.error({ conversationId: event.conversationId, level: event.level, attempts: this.attempts }, 'escalation alert gave up');
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The alert for this configuration, or undefined when ESCALATION_WEBHOOK_URL is not set. */
export function createEscalationAlert(config: Config, logger: Logger, overrides: Partial<EscalationAlertOptions> = {}): EscalationAlert | undefined {
  if (!config.ESCALATION_WEBHOOK_URL) return undefined;
  return new EscalationAlert({
    url: config.ESCALATION_WEBHOOK_URL,
    includeText: config.ESCALATION_INCLUDE_TEXT,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    logger,
    ...overrides,
  });
}

/**
 * Structured JSON logs (pino). Users type health details, so message text never goes
 * into the logs: log ids, intents, urgency levels and counts, never `activity.text`.
 *
 * Ids come from the channel and may hold personal details (a conversation id with an
 * e-mail address in it), so `conversationId`, `activityId`, `replyToId` and `userId` are
 * logged as `safeId` makes them: unchanged when clean, otherwise redacted with a short
 * hash — the same form the transcript store keeps, so a log line still finds its
 * conversation in the staff console.
 */
import pino, { type Logger } from 'pino';
import { safeId } from './storage/redact';

export type { Logger };

export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'calfbot' },
    serializers: { conversationId: logId, activityId: logId, replyToId: logId, userId: logId },
    redact: {
      paths: ['text', '*.text', 'activity.text', 'body', '*.body', 'password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', 'req.headers.cookie', 'MicrosoftAppPassword', 'DIRECT_LINE_SECRET'],
      censor: '[redacted]',
    },
  }, destination ?? pino.destination(1));
}

function logId(value: unknown): unknown {
  return typeof value === 'string' ? safeId(value) : value;
}

export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * Structured JSON logs (pino). Users type health details, so message text never goes
 * into the logs: log ids, intents, urgency levels and counts, never `activity.text`.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'calfbot' },
    redact: {
      paths: ['text', '*.text', 'activity.text', 'body', '*.body', 'password', '*.password', 'token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', 'req.headers.cookie', 'MicrosoftAppPassword', 'DIRECT_LINE_SECRET'],
      censor: '[redacted]',
    },
  }, destination ?? pino.destination(1));
}

export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * Composes one bot: state, middleware in pipeline order, recognizer and dialogs.
 * Used by the HTTP server, the terminal chat and the tests, so all three run the
 * same pipeline:
 *
 *   transcript → reply metadata → normalize → triage → rate limit → bot (recognizer → dialogs)
 */
import path from 'node:path';
import { ConversationState, type BotAdapter, type Middleware } from 'botbuilder';
import type { Config } from './config';
import type { Logger } from './logger';
import type { Database } from './storage/types';
import { TranscriptMiddleware } from './storage';
import { CalfBot, type ConversationDialog } from './bot';
import { ReplyMetadataMiddleware } from './middleware/replyMetadata';
import { NormalizeIncomingMiddleware } from './middleware/normalizeIncoming';
import { TriageMiddleware } from './middleware/triage';
import { RateLimitMiddleware } from './middleware/rateLimit';
import { loadTriage, type Triage } from './triage';
import { createEscalationAlert } from './triage/alert';
import { loadRecognizer } from './nlu/recognizer';
import type { IntentRecognizer } from './nlu/types';
import { loadContent } from './content/loader';
import { MainDialog } from './dialogs/mainDialog';

export interface BotAppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /** Inject a fake recognizer or dialog in tests; by default both load from the data folders. */
  recognizer?: IntentRecognizer;
  dialog?: ConversationDialog;
  triage?: Triage;
}

export interface BotApp {
  bot: CalfBot;
  conversationState: ConversationState;
  middleware: Middleware[];
  /** Attach the pipeline to an adapter. */
  attach(adapter: BotAdapter): void;
}

export function createBotApp(deps: BotAppDeps): BotApp {
  const { config, db, logger } = deps;
  const conversationState = new ConversationState(db.storage);
  // trained once, then reused from data/cache/ until intents/ or the NLU code change (src/nlu/modelCache.ts)
  const recognizer = deps.recognizer ?? loadRecognizer('intents', {}, { cacheDir: path.join('data', 'cache') });
  const dialog = deps.dialog ?? new MainDialog({ recognizer, content: loadContent('dialogs'), config });
  const bot = new CalfBot(conversationState, dialog, logger);
  const triage = deps.triage ?? loadTriage('intents');

  const middleware: Middleware[] = [
    // First, so it sees every reply as sent; writes the turn in one transaction before the response.
    new TranscriptMiddleware(db.transcripts, logger),
    new ReplyMetadataMiddleware(),
    new NormalizeIncomingMiddleware(),
    new TriageMiddleware({
      triage,
      config,
      conversationState,
      dialogState: bot.dialogState,
      logger,
      alert: createEscalationAlert(config, logger),
    }),
    // After triage: red flags are assessed on every message, limited or not.
    new RateLimitMiddleware({ config, logger }),
  ];

  return {
    bot,
    conversationState,
    middleware,
    attach(adapter) {
      for (const m of middleware) adapter.use(m);
    },
  };
}

/**
 * The turn pipeline: the only place where the order of a turn's steps is written.
 * HTTP, Direct Line, Teams, the terminal chat, the evaluation and the tests all
 * attach this one list to their adapter, so every entry point runs the same steps:
 *
 *   1 normalise → 2 transcript → 3 triage → 4 input guard → 5 after escalation → 6 dialogs
 *                                                  (recognizer → dialog trees → reply)
 *
 * Reply metadata (7) is installed as a send hook, so it stamps every reply on its
 * way out, including the escalation card sent by triage. Triage comes before the input
 * guard on purpose: a red flag is assessed on every message, even one that is rate
 * limited or too long to answer.
 */
import path from 'node:path';
import { ActivityTypes, type BotAdapter, type ConversationState, type Middleware } from 'botbuilder';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { Database } from '../storage/types';
import { loadContent } from '../content/loader';
import { MainDialog } from '../dialogs/mainDialog';
import { loadRecognizer } from '../nlu/recognizer';
import type { IntentRecognizer } from '../nlu/types';
import { loadTriage, type LoadedTriage } from '../triage';
import { createEscalationAlert } from '../triage/alert';
import { NormaliseMiddleware } from './1-normalise';
import { TranscriptMiddleware } from './2-transcript';
import { TriageMiddleware } from './3-triage';
import { TakeBack } from './takeBack';
import { InputGuardMiddleware } from './4-inputGuard';
import { AfterEscalationMiddleware } from './5-afterEscalation';
import { CalfBot, type ConversationDialog } from './6-dialogs';
import { CalfConversationState } from './conversationState';
import { ReplyMetadataMiddleware } from './7-replyMetadata';
import { EscalationMemory } from './escalationMemory';
import { Escalator } from './escalator';
import { RecentSigns } from './recentSigns';
import { turnMeta } from './turnMeta';

export interface BotAppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /** Inject a fake recognizer or dialog in tests; by default both load from the data folders. */
  recognizer?: IntentRecognizer;
  dialog?: ConversationDialog;
  triage?: LoadedTriage;
}

export interface BotApp {
  bot: CalfBot;
  conversationState: ConversationState;
  triage: LoadedTriage;
  middleware: Middleware[];
  /** Attach the pipeline to an adapter. */
  attach(adapter: BotAdapter): void;
}

export function createBotApp(deps: BotAppDeps): BotApp {
  const { config, db, logger } = deps;
  const conversationState = new CalfConversationState(db.storage);
  const triage = deps.triage ?? loadTriage('triage', { cacheDir: path.join('data', 'cache') });
  const memory = new EscalationMemory(conversationState);
  const escalator = new Escalator({ triage, config, memory, logger, alert: createEscalationAlert(config, logger) });
  // trained once, then reused from data/cache/ until intents/ or the NLU code change (src/nlu/modelCache.ts)
  const recognizer = deps.recognizer ?? loadRecognizer('intents', {}, { cacheDir: path.join('data', 'cache') });
  const afterEscalation = new AfterEscalationMiddleware({ wording: triage.wording, memory, conversationState, config, escalator });
  const dialog = deps.dialog ?? new MainDialog({
    recognizer,
    // the lexicon is already loaded (from its cache): its levels check the escalation nodes
    content: loadContent('dialogs', deps.triage ? {} : { ruleLevels: new Map(triage.lexicon.rules.map((r) => [r.id, r.level])) }),
    config,
    escalate: (context, ruleId) => escalator.escalateRule(context, ruleId),
    screening: triage.wording.screening,
    safetyNet: triage.wording.safety_net,
    holdIfEscalated: (context) => afterEscalation.holdIfEscalated(context),
  });
  const recent = new RecentSigns(conversationState);
  // A message's signs are kept with the state the dialogs save (a write before them would be re-read away: retry.ts)
  const bot = new CalfBot(conversationState, dialog, logger, async (context) => {
    // while an escalation is open its memory keeps the signs (and an all-clear must not leave them behind)
    if (context.activity.type === ActivityTypes.Message && !(await memory.get(context))) await recent.note(context, turnMeta(context).signs, turnMeta(context).denied);
  });

  const middleware: Middleware[] = [
    new NormaliseMiddleware(),
    // Before anything can answer, so every reply is logged; writes the turn in one batch before the response.
    new TranscriptMiddleware(db.transcripts, logger),
    new ReplyMetadataMiddleware(),
    new TriageMiddleware({ triage, escalator, conversationState, memory, recent, takeBack: new TakeBack(triage.wording, config), dialogState: bot.dialogState, logger }),
    new InputGuardMiddleware({ config, logger }),
    afterEscalation,
  ];

  return {
    bot,
    conversationState,
    triage,
    middleware,
    attach(adapter) {
      for (const m of middleware) adapter.use(m);
    },
  };
}

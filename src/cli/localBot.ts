/**
 * The whole bot in-process, for the evaluation and the tests: the same pipeline as
 * `npm start` (src/turn/pipeline.ts) on in-memory storage, one terminal-style adapter
 * per conversation. Each `say()` is one whole turn and returns the replies as sent.
 */
import type { Activity, TurnContext } from 'botbuilder';
import { testConfig, type Config } from '../config';
import { silentLogger } from '../logger';
import { openDatabase } from '../storage';
import type { Database } from '../storage/types';
import { createBotApp, type BotApp } from '../turn/pipeline';
import { ConsoleAdapter } from './consoleAdapter';

export interface LocalConversation {
  /** The conversation id (the channel is `console`). */
  id: string;
  say(text: string): Promise<Partial<Activity>[]>;
}

export interface LocalBot {
  app: BotApp;
  db: Database;
  conversation(): Promise<LocalConversation>;
  close(): Promise<void>;
}

export async function createLocalBot(config: Config = testConfig()): Promise<LocalBot> {
  const db = await openDatabase('memory:', { logger: silentLogger });
  const app = createBotApp({ config, db, logger: silentLogger });
  let n = 0;
  return {
    app,
    db,
    async conversation() {
      let replies: Partial<Activity>[] = [];
      const id = `local-${++n}`;
      const adapter = new ConsoleAdapter(() => undefined, (a) => replies.push(a), id);
      app.attach(adapter);
      const logic = (context: TurnContext): Promise<void> => app.bot.run(context);
      await adapter.join(logic);
      return {
        id,
        async say(text) {
          replies = [];
          await adapter.say(text, logic);
          return replies;
        },
      };
    },
    close: () => db.close(),
  };
}

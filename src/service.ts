/**
 * Starts the whole service from a validated configuration: storage, the bot pipeline,
 * the adapter and the HTTP server with every route module. `src/index.ts` calls this;
 * tests call it too, on port 0, so they exercise exactly what production runs.
 */
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import type { Logger } from './logger';
import { defaultOutboxFile, openDatabase } from './storage';
import type { Database } from './storage/types';
import { createAdapter } from './adapter';
import { createBotApp, type BotApp, type BotAppDeps } from './turn/pipeline';
import { createServer, type RouteModule } from './web/server';
import { staffRoutes } from './web/staff';
import { ConversationStore } from './channels';
import { channelRoutes } from './web/channels';
import { createServiceLimits } from './web/request/limits';
import { DIRECT_LINE_CHANNEL_ID } from './channels/directLineAdapter';
import { startIdleMemory } from './idleMemory';

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export interface Service {
  app: BotApp;
  db: Database;
  /** e.g. http://127.0.0.1:3978 */
  url: string;
  /** Graceful stop: no new requests, finish turns in flight, close storage. */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** Replace parts of the bot in tests (recognizer, dialog, triage). */
  overrides?: Partial<Pick<BotAppDeps, 'recognizer' | 'dialog' | 'triage'>>;
}

export async function startService(config: Config, logger: Logger, options: ServiceOptions = {}): Promise<Service> {
  const db = await openDatabase(config.DATABASE_URL, {
    logger,
    retentionDays: config.TRANSCRIPT_RETENTION_DAYS,
    timeoutMs: config.DATABASE_TIMEOUT_MS,
    outboxFile: config.OUTBOX_FILE ?? defaultOutboxFile(config.DATABASE_URL),
    outboxReplayMs: config.OUTBOX_REPLAY_MS,
  });
  const app = createBotApp({ config, db, logger, ...options.overrides });
  const adapter = createAdapter(config, logger);
  app.attach(adapter);

  const limits = createServiceLimits(config, db.raw, logger);
  // Deleting a conversation also drops the self-hosted Direct Line's in-memory copy of it.
  const directLineStore = new ConversationStore();
  db.onConversationDeleted((ref) => {
    if (ref.channel === DIRECT_LINE_CHANNEL_ID) directLineStore.delete(ref.id);
  });
  const routes: RouteModule[] = [staffRoutes({ config, db, logger }), channelRoutes({ app, config, logger, limits, store: directLineStore })];

  const { server, drain } = createServer({
    adapter,
    bot: app.bot,
    logger,
    routes,
    limits,
    readiness: async () => {
      // Bounded even if the pool's own timeouts misbehave: /readyz answers within ~2 s.
      const storage = await withDeadline(db.ping(), config.DATABASE_TIMEOUT_MS + 250).then(() => true, () => false);
      // outboxEmpty is informational: false while writes from an outage still wait to be replayed.
      return { ready: storage, checks: { storage, languageModel: true, outboxEmpty: db.outboxPending() === 0 } };
    },
  });

  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  logger.info({ port, storage: db.kind }, `calfbot listening on http://localhost:${port}`);
  // After a busy spell, give the heap V8 grew back once the bot is quiet (src/idleMemory.ts).
  const idleMemory = startIdleMemory({ idleSeconds: config.IDLE_GC_SECONDS, logger });

  return {
    app,
    db,
    url,
    async stop() {
      idleMemory.stop();
      await drain();
      await db.close();
    },
  };
}

/**
 * Starts the whole service from a validated configuration: storage, the bot pipeline,
 * the adapter and the HTTP server with every route module. `src/index.ts` calls this;
 * tests call it too, on port 0, so they exercise exactly what production runs.
 */
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import type { Logger } from './logger';
import { openDatabase } from './storage';
import type { Database } from './storage/types';
import { createAdapter } from './adapter';
import { createBotApp, type BotApp, type BotAppDeps } from './turn/pipeline';
import { createServer, type RouteModule } from './server';
import { staffRoutes } from './staff';
import { channelRoutes } from './channels';
import { createServiceLimits } from './http/limits';

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
  const db = await openDatabase(config.DATABASE_URL, { logger, retentionDays: config.TRANSCRIPT_RETENTION_DAYS });
  const app = createBotApp({ config, db, logger, ...options.overrides });
  const adapter = createAdapter(config, logger);
  app.attach(adapter);

  const limits = createServiceLimits(config, db.raw, logger);
  const routes: RouteModule[] = [staffRoutes({ config, db, logger }), channelRoutes({ app, config, logger, limits })];

  const { server, drain } = createServer({
    adapter,
    bot: app.bot,
    logger,
    routes,
    limits,
    readiness: async () => {
      const storage = await db.ping().then(() => true, () => false);
      return { ready: storage, checks: { storage, languageModel: true } };
    },
  });

  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  logger.info({ port, storage: db.kind }, `calfbot listening on http://localhost:${port}`);

  return {
    app,
    db,
    url,
    async stop() {
      await drain();
      await db.close();
    },
  };
}

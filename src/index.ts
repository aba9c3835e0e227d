/**
 * Entry point: wires configuration, logging, storage, the bot and the HTTP server,
 * then shuts down gracefully on SIGTERM/SIGINT. No logic lives here.
 */
import 'dotenv/config';
import { ConfigError, parseConfig } from './config';
import { createLogger } from './logger';
import { openDatabase } from './storage';
import { createAdapter } from './adapter';
import { createBotApp } from './app';
import { createServer } from './server';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL);
  const db = await openDatabase(config.DATABASE_URL, { logger, retentionDays: config.TRANSCRIPT_RETENTION_DAYS });
  const app = createBotApp({ config, db, logger });
  const adapter = createAdapter(config, logger);
  app.attach(adapter);

  const { server, drain } = createServer({
    adapter,
    bot: app.bot,
    logger,
    readiness: async () => {
      const storage = await db.ping().then(() => true, () => false);
      return { ready: storage, checks: { storage, languageModel: true } };
    },
  });

  server.listen(config.PORT, config.HOST, () => {
    logger.info({ port: config.PORT, storage: db.kind }, `calfbot listening on http://localhost:${config.PORT}`);
  });

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing turns in flight');
    await drain();
    await db.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  // One clear line for configuration and storage problems; a stack only for the unexpected.
  if (error instanceof ConfigError || (error instanceof Error && error.name === 'StorageStartupError')) {
    process.stderr.write(`calfbot: ${error.message}\n`);
  } else {
    process.stderr.write(`calfbot: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  }
  process.exit(1);
});

/**
 * Entry point: validates configuration, starts the service, and shuts down gracefully
 * on SIGTERM/SIGINT (stop accepting requests, finish turns in flight, close storage).
 */
import './env';
import { ConfigError, parseConfig } from './config';
import { createLogger } from './logger';
import { startService } from './service';

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL);
  const service = await startService(config, logger);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing turns in flight');
    await service.stop();
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

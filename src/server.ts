/**
 * The HTTP server (restify): Bot Framework's POST /api/messages, health and readiness,
 * and the route modules of the channels and the staff console.
 * Tracks turns in flight so shutdown can let them finish.
 */
import restify, { type Server } from 'restify';
import type { CloudAdapter } from 'botbuilder';
import type { Logger } from './logger';
import type { CalfBot } from './bot';
import { sendJson } from './http/respond';

export const MAX_BODY_BYTES = 256 * 1024;

export interface Readiness {
  (): Promise<{ ready: boolean; checks: Record<string, boolean> }>;
}

/** A route module adds its routes (and any per-route middleware) to the server. */
export type RouteModule = (server: Server) => void;

export interface ServerDeps {
  adapter: CloudAdapter;
  bot: CalfBot;
  logger: Logger;
  readiness: Readiness;
  routes?: RouteModule[];
}

export interface BotServer {
  server: Server;
  /** Stop accepting requests, wait for turns in flight, then resolve. */
  drain(timeoutMs?: number): Promise<void>;
}

export function createServer(deps: ServerDeps): BotServer {
  const { adapter, bot, logger } = deps;
  const server = restify.createServer({ name: 'calfbot', handleUncaughtExceptions: false });
  let inFlight = 0;
  let idle: (() => void) | undefined;

  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.use(restify.plugins.bodyParser({ mapParams: false, maxBodySize: MAX_BODY_BYTES, rejectUnknown: false }));

  server.post('/api/messages', async (req, res) => {
    inFlight++;
    try {
      await adapter.process(req, res, (context) => bot.run(context));
    } finally {
      inFlight--;
      if (inFlight === 0) idle?.();
    }
  });

  server.get('/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));
  server.get('/readyz', async (_req, res) => {
    const state = await deps.readiness();
    sendJson(res, state.ready ? 200 : 503, { status: state.ready ? 'ready' : 'not ready', checks: state.checks });
  });

  for (const install of deps.routes ?? []) install(server);

  server.on('restifyError', (req, _res, err: Error & { statusCode?: number }, callback: () => void) => {
    logger.warn({ method: req.method, path: req.path(), status: err.statusCode, error: err.name }, 'request rejected');
    callback();
  });

  return {
    server,
    async drain(timeoutMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.server.closeIdleConnections();
      const turnsDone = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve));
      await Promise.race([
        Promise.all([closed, turnsDone]),
        new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ]);
      server.server.closeAllConnections();
    },
  };
}

/**
 * The HTTP server (restify): Bot Framework's POST /api/messages, health and readiness,
 * and the route modules of the channels and the staff console.
 * Tracks turns in flight so shutdown can let them finish.
 */
import restify, { type Request, type RequestHandler, type Response, type Server } from 'restify';
import type { Logger } from '../logger';
import type { CalfBot } from '../turn/6-dialogs';
import type { CalfAdapter } from '../adapter';
import { sendJson } from './request/respond';
import { handleMessages, errorBody, rejectMultipart, type MessageLimits } from './messages';
import { rejectContentEncoding } from './request/contentEncoding';
import { bodyReader } from './request/bodyReader';

export const MAX_BODY_BYTES = 256 * 1024;

export interface Readiness {
  (): Promise<{ ready: boolean; checks: Record<string, boolean> }>;
}

/** A route module adds its routes (and any per-route middleware) to the server. */
export type RouteModule = (server: Server) => void;

export interface ServerDeps {
  adapter: CalfAdapter;
  bot: CalfBot;
  logger: Logger;
  readiness: Readiness;
  routes?: RouteModule[];
  /** Per-address and per-conversation ceilings on /api/messages (none when absent). */
  limits?: MessageLimits;
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
  // restify's multipart parser writes uploads to the temp directory and never deletes them.
  server.use(rejectMultipart);
  // Before the body parser: restify's gunzip has no error handler and limits compressed bytes.
  server.use(rejectContentEncoding);
  // restify's body parser, reading with bodyReader (restify's reader without its per-request
  // deprecated `new Buffer(0)`, see ./request/bodyReader.ts), then restify's own parsing.
  const [, parseBody] = restify.plugins.bodyParser({ mapParams: false, maxBodySize: MAX_BODY_BYTES, rejectUnknown: false }) as unknown as [RequestHandler, RequestHandler];
  server.use(bodyReader({ maxBodySize: MAX_BODY_BYTES }));
  server.use(parseBody);

  // Authenticate (Bot Framework JWT when MicrosoftAppId is set) → validate (400 naming the
  // field) → run the turn. See src/web/messages.ts and docs/security.md.
  server.post('/api/messages', async (req: Request, res: Response) => {
    inFlight++;
    try {
      await handleMessages(req, res, { adapter, logger, logic: (context) => bot.run(context), limits: deps.limits });
    } finally {
      inFlight--;
      if (inFlight === 0) idle?.();
    }
  });

  server.get('/healthz', async (_req, res) => sendJson(res, 200, { status: 'ok' }));
  server.get('/readyz', async (_req, res) => {
    const state = await deps.readiness();
    sendJson(res, state.ready ? 200 : 503, { status: state.ready ? 'ready' : 'not ready', checks: state.checks });
  });

  for (const install of deps.routes ?? []) install(server);

  server.on('restifyError', (req: Request, res: Response, err: Error & { statusCode?: number; toJSON?: () => unknown }, callback: () => void) => {
    logger.warn({ method: req.method, path: req.path(), status: err.statusCode, error: err.name }, 'request rejected');
    // Every error restify produces itself (bad JSON, body too large, 404, 405…) answers in
    // the one JSON error shape, whatever the client's Accept header; never the parser's
    // message, which can quote the body.
    const body = errorBody(err);
    err.toJSON = () => body;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    callback();
  });

  return {
    server,
    async drain(timeoutMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.server.closeIdleConnections();
      const turnsDone = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve));
      await Promise.race([turnsDone, new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())]);
      // Answers are written; keep-alive sockets would otherwise hold the server open.
      server.server.closeAllConnections();
      await closed;
    },
  };
}

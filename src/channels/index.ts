/**
 * Channels: the website widget (Web Chat) with its self-hosted Direct Line endpoint and
 * the Azure Direct Line token exchange. (Teams needs no route of its own: it posts to
 * /api/messages like every Bot Framework channel.)
 *
 * In src/service.ts: `routes: RouteModule[] = [channelRoutes({ app, config, logger })]`.
 */
import type { Server } from 'restify';
import type { BotApp } from '../turn/pipeline';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { onTurnError } from '../adapter';
import { IpRateLimiter, ipRateLimit } from '../http/ipRateLimit';
import { ConversationStore } from './conversationStore';
import { DirectLineAdapter } from './directLineAdapter';
import { DIRECT_LINE_BASE, directLineRoutes } from './directLineRoutes';
import { TokenIssuer } from './tokens';
import { webChatRoutes } from './webChatRoutes';

export { DirectLineAdapter } from './directLineAdapter';
export { ConversationStore } from './conversationStore';
export { TokenIssuer } from './tokens';

export interface ChannelDeps {
  app: BotApp;
  config: Config;
  logger: Logger;
  /** Replace parts in tests. */
  store?: ConversationStore;
  tokens?: TokenIssuer;
  fetchImpl?: typeof fetch;
}

/** New conversations per client address: 30 a minute (a page load starts one). */
export const TOKEN_RATE_LIMIT = { limit: 30, windowMs: 60_000 };

export function channelRoutes(deps: ChannelDeps): (server: Server) => void {
  const { app, config, logger } = deps;
  const store = deps.store ?? new ConversationStore();
  store.startSweeping();
  const tokens = deps.tokens ?? new TokenIssuer();
  const base = (config.PUBLIC_BASE_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
  const adapter = new DirectLineAdapter({
    store,
    bot: { id: config.MicrosoftAppId || 'calfbot', name: config.CLINIC_NAME },
    serviceUrl: `${base}${DIRECT_LINE_BASE}`,
  });
  app.attach(adapter);
  adapter.onTurnError = onTurnError(logger);

  const limiter = new IpRateLimiter(TOKEN_RATE_LIMIT);
  const tokenGuards = [ipRateLimit({ limiter, trustProxy: config.TRUST_PROXY, scope: 'dl-token:', onLimited: () => logger.warn('direct line token requests rate limited') })];

  const installDirectLine = directLineRoutes({ adapter, store, tokens, logger, logic: (context) => app.bot.run(context), tokenGuards });
  const installWebChat = webChatRoutes({ config, logger, fetchImpl: deps.fetchImpl, tokenGuards });
  return (server) => {
    installDirectLine(server);
    installWebChat(server);
  };
}

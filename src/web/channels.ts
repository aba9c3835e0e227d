/**
 * The widget's routes: the self-hosted Direct Line endpoint under /v3/directline, the Web
 * Chat pages and widget.js, and the Azure Direct Line token exchange. (Teams needs no
 * route of its own: it posts to /api/messages like every Bot Framework channel.)
 *
 * In src/service.ts: `routes: RouteModule[] = [channelRoutes({ app, config, logger })]`.
 */
import type { Server } from 'restify';
import type { BotApp } from '../turn/pipeline';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { onTurnError } from '../adapter';
import { ConversationStore, DirectLineAdapter, TokenIssuer } from '../channels';
import { createServiceLimits, limitByAddress, type ServiceLimits } from './request/limits';
import { DIRECT_LINE_BASE, directLineRoutes } from './directLine';
import { webChatRoutes } from './webChat';

export interface ChannelDeps {
  app: BotApp;
  config: Config;
  logger: Logger;
  /** Replace parts in tests. */
  store?: ConversationStore;
  tokens?: TokenIssuer;
  fetchImpl?: typeof fetch;
  /** Shared limiters (src/service.ts); in memory from the configuration when absent. */
  limits?: ServiceLimits;
}

export function channelRoutes(deps: ChannelDeps): (server: Server) => void {
  const { app, config, logger } = deps;
  const store = deps.store ?? new ConversationStore({
    maxTotalBytes: config.DIRECT_LINE_MAX_MB * 1024 * 1024,
    maxConversationBytes: config.DIRECT_LINE_CONVERSATION_MAX_KB * 1024,
    maxPollBytes: config.DIRECT_LINE_POLL_MAX_KB * 1024,
  });
  const limits = deps.limits ?? createServiceLimits(config, undefined, logger);
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

  // New conversations per client address (a page load starts one).
  const tokenGuards = [limitByAddress(limits.newConversations, limits.trustProxy, () => logger.warn('direct line token requests rate limited'))];

  const installDirectLine = directLineRoutes({ adapter, store, tokens, logger, logic: (context) => app.bot.run(context), tokenGuards, limits });
  const installWebChat = webChatRoutes({ config, logger, fetchImpl: deps.fetchImpl, tokenGuards });
  return (server) => {
    installDirectLine(server);
    installWebChat(server);
  };
}

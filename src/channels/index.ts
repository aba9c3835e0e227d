/**
 * Channels: the self-hosted Direct Line (its adapter, the in-memory conversation store and
 * the tokens it issues). The routes that serve them are in src/web/channels.ts.
 */
export { DirectLineAdapter } from './directLineAdapter';
export { ConversationStore } from './conversationStore';
export { TokenIssuer } from './tokens';

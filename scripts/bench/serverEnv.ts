/**
 * Environment of every server the benches start. Set explicitly so a local `.env` (dotenv never
 * overrides what is set) cannot change what is measured: no auth, no staff alerts sent to a real
 * webhook from the red-flag scripts, default rate limits, warn-level logs.
 */
export const QUIET_SERVER_ENV = {
  LOG_LEVEL: 'warn',
  NODE_ENV: 'production',
  MicrosoftAppId: '',
  MicrosoftAppPassword: '',
  MicrosoftAppTenantId: '',
  MicrosoftAppType: '',
  ESCALATION_WEBHOOK_URL: '',
  DIRECT_LINE_SECRET: '',
  RATE_LIMIT_MESSAGES: '20',
  RATE_LIMIT_WINDOW_SECONDS: '10',
  // all load comes from one address (127.0.0.1): the per-address ceiling would answer 429
  RATE_LIMIT_ADDRESS_PER_MINUTE: '1000000',
  RATE_LIMIT_NEW_CONVERSATIONS_PER_MINUTE: '1000000',
};

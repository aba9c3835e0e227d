/**
 * The Bot Framework adapter: CloudAdapter with ConfigurationBotFrameworkAuthentication.
 * With empty MicrosoftAppId/Password the adapter runs without auth, as the Emulator expects.
 * One onTurnError logs the error, apologises to the user, and keeps the process alive.
 */
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type TurnContext,
} from 'botbuilder';
import type { Config } from './config';
import type { Logger } from './logger';

export const APOLOGY = 'Sorry, something went wrong on my side. Please try again in a moment. If your leg is swollen, red, warm or very painful, or you feel short of breath, do not wait for me: seek medical care now.';

export function createAdapter(config: Config, logger: Logger): CloudAdapter {
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.MicrosoftAppId ?? '',
    MicrosoftAppPassword: config.MicrosoftAppPassword ?? '',
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId ?? '',
  } as ConfigurationBotFrameworkAuthenticationOptions);
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = onTurnError(logger);
  return adapter;
}

export function onTurnError(logger: Logger) {
  return async (context: TurnContext, error: Error): Promise<void> => {
    logger.error(
      { err: { name: error.name, message: error.message, stack: error.stack }, conversationId: context.activity.conversation?.id, activityType: context.activity.type },
      'unhandled error in turn',
    );
    if (context.activity.type !== 'message') return;
    try {
      await context.sendActivity({ type: 'message', text: APOLOGY, channelData: { intent: null, urgency: 'none' } });
    } catch (sendError) {
      logger.error({ err: { message: (sendError as Error).message } }, 'could not send the apology');
    }
  };
}

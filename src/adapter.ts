/**
 * The Bot Framework adapter: CloudAdapter with ConfigurationBotFrameworkAuthentication.
 * With empty MicrosoftAppId/Password the adapter runs without auth, as the Emulator expects.
 * One onTurnError logs the error, apologises to the user, and keeps the process alive.
 */
import {
  CardFactory,
  Channels,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type InvokeResponse,
  type ResourceResponse,
  type TurnContext,
} from 'botbuilder';
import { AuthenticationConstants, type ClaimsIdentity, type ConnectorClient, type ConnectorFactory, type UserTokenClient } from 'botframework-connector';
import type { Config } from './config';
import type { Logger } from './logger';

export const APOLOGY = 'Sorry, something went wrong on my side. Please try again in a moment. If your leg is swollen, red, warm or very painful, or you feel short of breath, do not wait for me: seek medical care now.';

/** The result of authenticating one request (claims, audience, connector factory). */
export type AuthenticatedRequest = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>;

/**
 * CloudAdapter with its two steps exposed, so the HTTP layer can authenticate a request,
 * then validate the activity (400 for bad input, only for callers that proved who they are),
 * then run the turn. `process()` still works as before.
 */
export class CalfAdapter extends CloudAdapter {
  constructor(
    auth: ConfigurationBotFrameworkAuthentication,
    /** False when MicrosoftAppId is empty (local use, Emulator): requests are not authenticated. */
    readonly authEnabled: boolean,
  ) {
    super(auth);
  }

  /** Check the request's Bot Framework JWT against the activity; throws when it is not valid. */
  authenticate(activity: Partial<Activity>, authHeader: string): Promise<AuthenticatedRequest> {
    return this.botFrameworkAuthentication.authenticateRequest(activity as Activity, authHeader);
  }

  /**
   * Teams shows an activity's text and its card one after the other, and our card messages
   * carry the whole card as text for channels without cards. On Teams the text becomes the
   * notification summary instead. Copies are sent, so transcripts keep the text.
   */
  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const forChannel = context.activity.channelId === Channels.Msteams ? activities.map(withoutCardText) : activities;
    return super.sendActivities(context, forChannel);
  }

  /** Run one turn for an authenticated, validated activity; returns the invoke/expectReplies response. */
  runAuthenticated(auth: AuthenticatedRequest, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    if (auth.connectorFactory) auth.connectorFactory = new CachingConnectorFactory(auth.connectorFactory, this.connectors);
    return this.processActivity(auth, activity, logic);
  }

  /** Connector clients by audience and service URL, reused across turns (CloudAdapter builds one per turn). */
  private readonly connectors = new Map<string, Promise<ConnectorClient>>();
}

const MAX_CONNECTORS = 100;

/**
 * Builds a ConnectorClient once per audience and service URL: its credentials are the
 * bot's own and refresh their token themselves, so a client can serve every turn.
 */
class CachingConnectorFactory implements ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly cache: Map<string, Promise<ConnectorClient>>,
  ) {}

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    const key = `${audience ?? ''}\u0000${serviceUrl}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const client = this.inner.create(serviceUrl, audience);
    // A failed creation is not kept, so the next turn tries again.
    client.catch(() => this.cache.delete(key));
    if (this.cache.size >= MAX_CONNECTORS) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, client);
    return client;
  }
}

/**
 * Builds the UserTokenClient (OAuth token service client) once per bot app id instead of
 * on every turn, as CloudAdapter does even when the bot never signs anyone in: building
 * its HTTP pipeline cost ~5% of a turn. Its credentials refresh their token themselves.
 */
function cacheUserTokenClients(auth: ConfigurationBotFrameworkAuthentication): void {
  const create = auth.createUserTokenClient.bind(auth);
  const cache = new Map<string, Promise<UserTokenClient>>();
  auth.createUserTokenClient = (identity: ClaimsIdentity): Promise<UserTokenClient> => {
    // the app id the inner factory builds the client for (audience, or the Emulator's appid claim)
    const key = identity.getClaimValue(AuthenticationConstants.AudienceClaim) ?? identity.getClaimValue(AuthenticationConstants.AppIdClaim) ?? '';
    const cached = cache.get(key);
    if (cached) return cached;
    const client = create(identity);
    client.catch(() => cache.delete(key));
    if (cache.size >= MAX_CONNECTORS) cache.delete(cache.keys().next().value as string);
    cache.set(key, client);
    return client;
  };
}

function withoutCardText(activity: Partial<Activity>): Partial<Activity> {
  const hasCard = activity.attachments?.some((a) => a.contentType === CardFactory.contentTypes.adaptiveCard);
  if (activity.type !== 'message' || !hasCard || !activity.text) return activity;
  return { ...activity, text: undefined, summary: activity.text.split('\n')[0] };
}

export function createAdapter(config: Config, logger: Logger): CalfAdapter {
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.MicrosoftAppId ?? '',
    MicrosoftAppPassword: config.MicrosoftAppPassword ?? '',
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId ?? '',
  } as ConfigurationBotFrameworkAuthenticationOptions);
  cacheUserTokenClients(auth);
  const adapter = new CalfAdapter(auth, Boolean(config.MicrosoftAppId));
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

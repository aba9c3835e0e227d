/**
 * POST /api/messages, step by step:
 *
 *   1. authenticate  — the Bot Framework JWT in `Authorization` (when MicrosoftAppId is set;
 *                      without it the bot runs in Emulator mode and every caller is anonymous).
 *                      Any failure → 401 JSON. Nothing about the body is revealed before this.
 *   2. validate      — validateActivity (src/web/request/activitySchema.ts) → 400 JSON naming the field.
 *                      In Emulator mode, replies may only go to a loopback serviceUrl (or come
 *                      back in the response with deliveryMode expectReplies): the bot will not
 *                      POST to arbitrary URLs for an anonymous caller.
 *   2b. limits      — per address (anonymous mode only) and per conversation: 429 + Retry-After
 *                      (src/web/request/limits.ts, shared between instances on PostgreSQL).
 *   3. run the turn  — CloudAdapter's processActivity with the authentication result; the
 *                      invoke/expectReplies response is sent as JSON, otherwise 200 with no body.
 *                      A failure inside the turn is handled by onTurnError (apology); anything
 *                      that still escapes is logged (no message text) and answered with a JSON 500.
 */
import type { Activity, TurnContext } from 'botbuilder';
import type { Request, Response } from 'restify';
import type { CalfAdapter, AuthenticatedRequest } from '../adapter';
import type { Logger } from '../logger';
import { sendError, sendJson } from './request/respond';
import { validateActivity, withDateFields } from './request/activitySchema';
import { addressOf, sendLimited, type RateLimiter } from './request/limits';

export interface MessageLimits {
  /** Per client address; applied only when the bot runs without MicrosoftAppId (anonymous callers). */
  address: RateLimiter;
  /** Per `<channelId>:<conversation id>`. */
  conversation: RateLimiter;
  trustProxy: boolean;
}

export interface MessagesDeps {
  adapter: CalfAdapter;
  logger: Logger;
  logic: (context: TurnContext) => Promise<void>;
  limits?: MessageLimits;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

export async function handleMessages(req: Request, res: Response, deps: MessagesDeps): Promise<void> {
  const { adapter, logger } = deps;
  const header = req.headers.authorization;
  const authHeader = typeof header === 'string' ? header : '';
  const body: unknown = req.body;

  // 1. Authenticate. The validator needs channelId/serviceUrl; a non-object body is
  //    authenticated against an empty activity (and then rejected as a 400).
  let auth: AuthenticatedRequest;
  try {
    const claimed = isPlainObject(body) ? body : {};
    auth = await adapter.authenticate({
      channelId: typeof claimed.channelId === 'string' ? claimed.channelId : undefined,
      serviceUrl: typeof claimed.serviceUrl === 'string' ? claimed.serviceUrl : undefined,
    } as Partial<Activity>, authHeader);
  } catch (error) {
    logger.warn({ path: '/api/messages', error: (error as Error).name, status: 401 }, 'request not authenticated');
    sendError(res, 401, 'unauthorized', 'A valid Bot Framework token is required.');
    return;
  }

  // 2. Validate.
  const result = validateActivity(body);
  if (!result.ok) {
    logger.info({ path: '/api/messages', field: result.field, status: 400 }, 'invalid activity rejected');
    sendError(res, 400, 'invalid_activity', result.message, result.field);
    return;
  }
  const activity = result.activity;
  // Replies go to serviceUrl unless they come back in the response (expectReplies); without
  // one a turn hangs in the connector (fuzz finding). With auth on it is always required:
  // botbuilder checks the token's serviceurl claim only when the activity has a serviceUrl.
  if (!activity.serviceUrl && (adapter.authEnabled || activity.deliveryMode !== 'expectReplies')) {
    sendError(res, 400, 'invalid_activity', 'serviceUrl is required', 'serviceUrl');
    return;
  }
  if (!adapter.authEnabled && activity.deliveryMode !== 'expectReplies' && activity.serviceUrl && !isLoopbackUrl(activity.serviceUrl)) {
    sendError(res, 400, 'invalid_activity', 'serviceUrl must be a loopback address when the bot runs without MicrosoftAppId (use deliveryMode expectReplies otherwise)', 'serviceUrl');
    return;
  }

  // 2b. Limits (429 with Retry-After). With authentication on, every request comes from the
  //     Bot Framework service's few addresses, so only the conversation is limited.
  if (deps.limits) {
    if (!adapter.authEnabled) {
      const byAddress = await deps.limits.address.consume(addressOf(req, deps.limits.trustProxy));
      if (!byAddress.allowed) {
        logger.warn({ path: '/api/messages', status: 429, limit: 'address' }, 'request rate limited');
        return sendLimited(res, byAddress, 'Too many messages from this address. Please wait a moment and try again.');
      }
    }
    const byConversation = await deps.limits.conversation.consume(`${activity.channelId}:${activity.conversation.id}`);
    if (!byConversation.allowed) {
      logger.warn({ path: '/api/messages', status: 429, limit: 'conversation', conversationId: activity.conversation.id }, 'request rate limited');
      return sendLimited(res, byConversation, 'Too many messages in this conversation. Please wait a moment and try again.');
    }
  }

  // 3. Run the turn.
  try {
    const response = await adapter.runAuthenticated(auth, withDateFields(activity), deps.logic);
    if (res.headersSent) return;
    if (response?.body !== undefined) sendJson(res, response.status ?? 200, response.body);
    else if (response?.status === 501) {
      // Bot Framework protocol: an invoke the bot does not handle is answered 501 Not Implemented.
      sendError(res, 501, 'not_implemented', 'This bot does not handle that invoke.');
    } else {
      res.writeHead(response?.status ?? 200);
      res.end();
    }
  } catch (error) {
    logger.error({ path: '/api/messages', err: { name: (error as Error).name, message: (error as Error).message }, conversationId: activity.conversation?.id }, 'turn failed outside the bot');
    if (!res.headersSent) sendError(res, 500, 'internal_error', 'Something went wrong on our side. Please try again.');
  }
}

/** 415 for multipart bodies: restify's multipart parser would write uploads to the temp directory. */
export function rejectMultipart(req: Request, res: Response, next: (err?: false) => void): void {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('multipart/')) {
    sendError(res, 415, 'unsupported_media_type', 'Send JSON (application/json).');
    return next(false);
  }
  next();
}

const ERROR_CODES: Record<number, [string, string]> = {
  400: ['invalid_json', 'The request body is not valid JSON.'],
  404: ['not_found', 'Not found.'],
  405: ['method_not_allowed', 'Method not allowed.'],
  406: ['not_acceptable', 'Not acceptable.'],
  413: ['payload_too_large', 'The request body is too large (the limit is 256 KB).'],
  415: ['unsupported_media_type', 'Unsupported content type.'],
};

/** The JSON body for an error restify produced itself: `{ error: { code, message, field? } }`. */
export function errorBody(err: Error & { statusCode?: number }): { error: { code: string; message: string; field?: string } } {
  const status = err.statusCode ?? 500;
  const known = ERROR_CODES[status];
  if (known) return { error: { code: known[0], message: known[1], ...(status === 400 || status === 413 ? { field: 'body' } : {}) } };
  if (status >= 400 && status < 500) return { error: { code: 'bad_request', message: 'The request could not be processed.' } };
  return { error: { code: 'internal_error', message: 'Something went wrong on our side. Please try again.' } };
}

/**
 * A Direct Line 3.0-compatible endpoint under /v3/directline, for Web Chat in polling
 * mode (`createDirectLine({ domain: origin + '/v3/directline', token, webSocket: false })`).
 * These are the requests DirectLineJS makes without WebSockets:
 *
 *   POST /v3/directline/tokens/generate                        (our page, for a new conversation)
 *   POST /v3/directline/conversations                          start (or re-open) the token's conversation
 *   GET  /v3/directline/conversations/:id?watermark=N          resume an existing conversation
 *   POST /v3/directline/conversations/:id/activities           post an activity → { id }
 *   GET  /v3/directline/conversations/:id/activities?watermark=N   poll → { activities, watermark }
 *   POST /v3/directline/tokens/refresh                         every 15 minutes → { token, ... }
 *
 * Auth: `Authorization: Bearer <token>`. No token → 401; a token that is malformed,
 * forged, expired or for another conversation → 403 (DirectLineJS treats 403 as
 * "token expired"). Posted activities run through the same middleware, triage and
 * transcript logging as /api/messages (see DirectLineAdapter).
 */
import type { Request, RequestHandler, Response, Server } from 'restify';
import { z } from 'zod';
import type { Activity, TurnContext } from 'botbuilder';
import { sendError, sendJson } from './request/respond';
import { validateActivity } from './request/activitySchema';
import { boundedJson } from './request/jsonLimits';
import { addressOf, sendLimited, type ServiceLimits } from './request/limits';
import type { Logger } from '../logger';
import { TokenIssuer, randomId, type DirectLineClaims } from '../channels/tokens';
import type { ConversationStore, StoredConversation } from '../channels/conversationStore';
import { DIRECT_LINE_CHANNEL_ID, type DirectLineAdapter } from '../channels/directLineAdapter';

export const DIRECT_LINE_BASE = '/v3/directline';

export interface DirectLineRouteDeps {
  adapter: DirectLineAdapter;
  store: ConversationStore;
  tokens: TokenIssuer;
  logger: Logger;
  /** The bot's turn handler, e.g. `(context) => app.bot.run(context)`. */
  logic: (context: TurnContext) => Promise<void>;
  /** Handlers run before the token-issuing route (e.g. a per-IP rate limit). */
  tokenGuards?: RequestHandler[];
  /** Per-address and per-conversation ceilings on posted activities. */
  limits?: ServiceLimits;
}

const account = z.object({ id: z.string().max(128).optional(), name: z.string().max(128).optional(), role: z.string().max(32).optional() }).optional();

const generateBody = z.object({ user: account }).optional().nullable();
const startBody = z.object({ user: account, locale: z.string().max(35).optional() }).optional().nullable();

/** What the user may post. Unknown fields are kept (Web Chat sends a few more), known ones are checked. */
export const postedActivity = z.looseObject({
  type: z.enum(['message', 'typing', 'event'], { message: 'must be message, typing or event' }),
  text: z.string().optional(),
  textFormat: z.enum(['plain', 'markdown', 'xml']).optional(),
  locale: z.string().max(35).optional(),
  name: z.string().max(256).optional(),
  // Depth ≤ 32 and ≤ 64 KB, checked without recursion (src/web/request/jsonLimits.ts).
  value: boundedJson(z.unknown()).optional(),
  from: account,
  channelData: boundedJson(z.record(z.string(), z.unknown())).optional(),
  attachments: z.array(z.unknown()).max(0, 'file uploads are not supported').optional(),
  entities: boundedJson(z.array(z.record(z.string(), z.unknown())).max(20)).optional(),
});

function bearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return m?.[1];
}

function badRequest(res: Response, error: z.ZodError): void {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || 'body';
  sendError(res, 400, 'BadArgument', `${field} ${issue?.message ?? 'is invalid'}`, field);
}

export function directLineRoutes(deps: DirectLineRouteDeps): (server: Server) => void {
  const { adapter, store, tokens, logger, logic } = deps;

  /** The token's claims, or an error response already sent. */
  async function authorize(req: Request, res: Response, conversationId?: string): Promise<DirectLineClaims | undefined> {
    const token = bearer(req);
    if (!token) {
      res.header('www-authenticate', 'Bearer');
      sendError(res, 401, 'MissingToken', 'An Authorization: Bearer token is required');
      return undefined;
    }
    const result = await tokens.verify(token);
    if (!result.ok) {
      sendError(res, 403, result.reason === 'expired' ? 'TokenExpired' : 'BadToken', result.reason === 'expired' ? 'The token has expired' : 'The token is not valid');
      return undefined;
    }
    if (conversationId !== undefined && result.claims.conv !== conversationId) {
      sendError(res, 403, 'BadToken', 'The token is not valid for this conversation');
      return undefined;
    }
    return result.claims;
  }

  /** The token's claims and its open conversation (the one in the URL), or an error response already sent. */
  async function openConversation(req: Request, res: Response): Promise<{ claims: DirectLineClaims; conv: StoredConversation } | undefined> {
    const claims = await authorize(req, res, String(req.params.conversationId));
    if (!claims) return undefined;
    const conv = store.get(claims.conv);
    if (!conv) {
      sendError(res, 404, 'BadArgument', 'Conversation not found');
      return undefined;
    }
    return { claims, conv };
  }

  async function conversationBody(claims: DirectLineClaims) {
    const { token, expiresIn } = await tokens.issue(claims.conv, claims.user);
    return { conversationId: claims.conv, token, expires_in: expiresIn };
  }

  async function welcome(conversationId: string, userId: string, userName: string | undefined): Promise<void> {
    const conv = store.get(conversationId);
    if (!conv) return;
    const update: Partial<Activity> = {
      type: 'conversationUpdate',
      from: { id: userId, name: userName ?? '', role: 'user' },
      membersAdded: [{ id: userId, name: userName ?? '' }, { ...adapter.botAccount }],
    };
    await adapter.processActivity(conv, update, logic, false);
  }

  return (server) => {
    server.post(`${DIRECT_LINE_BASE}/tokens/generate`, ...(deps.tokenGuards ?? []), async (req: Request, res: Response) => {
      const body = generateBody.safeParse(req.body);
      if (!body.success) return badRequest(res, body.error);
      // The user id is always ours (dl_ prefix, as Azure does for trusted ids): a page cannot pick someone else's.
      const userId = randomId('dl_');
      const conversationId = randomId('', 18);
      const { token, expiresIn } = await tokens.issue(conversationId, userId);
      sendJson(res, 200, { conversationId, token, expires_in: expiresIn, userId });
    });

    server.post(`${DIRECT_LINE_BASE}/tokens/refresh`, async (req: Request, res: Response) => {
      const claims = await authorize(req, res);
      if (!claims) return;
      sendJson(res, 200, await conversationBody(claims));
    });

    server.post(`${DIRECT_LINE_BASE}/conversations`, async (req: Request, res: Response) => {
      const claims = await authorize(req, res);
      if (!claims) return;
      const body = startBody.safeParse(req.body);
      if (!body.success) return badRequest(res, body.error);
      const { created } = store.open(claims.conv, claims.user);
      if (created) {
        logger.info({ conversationId: claims.conv, channel: 'webchat' }, 'direct line conversation started');
        await welcome(claims.conv, claims.user, body.data?.user?.name);
      }
      sendJson(res, created ? 201 : 200, await conversationBody(claims));
    });

    server.get(`${DIRECT_LINE_BASE}/conversations/:conversationId`, async (req: Request, res: Response) => {
      const { claims } = (await openConversation(req, res)) ?? {};
      if (!claims) return;
      sendJson(res, 200, await conversationBody(claims));
    });

    server.get(`${DIRECT_LINE_BASE}/conversations/:conversationId/activities`, async (req: Request, res: Response) => {
      const { conv } = (await openConversation(req, res)) ?? {};
      if (!conv) return;
      const raw = (req.query as Record<string, unknown> | undefined)?.watermark;
      const parsed = z.union([z.literal(''), z.coerce.number().int().min(0)]).optional().safeParse(raw);
      if (!parsed.success) return sendError(res, 400, 'BadArgument', 'watermark must be a whole number', 'watermark');
      const watermark = parsed.data === '' || parsed.data === undefined ? undefined : parsed.data;
      sendJson(res, 200, store.since(conv, watermark), { 'cache-control': 'no-store' });
    });

    server.post(`${DIRECT_LINE_BASE}/conversations/:conversationId/activities`, async (req: Request, res: Response) => {
      const { claims, conv } = (await openConversation(req, res)) ?? {};
      if (!claims || !conv) return;
      const parsed = postedActivity.safeParse(req.body);
      if (!parsed.success) return badRequest(res, parsed.error);
      const posted = parsed.data;
      // Typing indicators are not stored or sent to the bot.
      if (posted.type === 'typing') return sendJson(res, 200, { id: '' });
      if (deps.limits) {
        const byAddress = await deps.limits.address.consume(addressOf(req, deps.limits.trustProxy));
        const byConversation = byAddress.allowed ? await deps.limits.conversation.consume(`${DIRECT_LINE_CHANNEL_ID}:${conv.id}`) : byAddress;
        if (!byConversation.allowed) {
          logger.warn({ conversationId: conv.id, status: 429, limit: byAddress.allowed ? 'conversation' : 'address' }, 'direct line post rate limited');
          return sendLimited(res, byConversation, 'Too many messages. Please wait a moment and try again.');
        }
      }
      // The same checks as /api/messages (control characters refused, invisible characters
      // stripped), on the activity as the bot will see it.
      const checked = validateActivity({
        ...posted,
        id: undefined,
        channelId: DIRECT_LINE_CHANNEL_ID,
        conversation: { id: conv.id },
        from: { id: claims.user, name: posted.from?.name ?? '', role: 'user' },
      });
      if (!checked.ok) return sendError(res, 400, 'BadArgument', checked.message, checked.field);
      const id = await adapter.processActivity(conv, checked.activity, logic);
      sendJson(res, 200, { id });
    });

    server.post(`${DIRECT_LINE_BASE}/conversations/:conversationId/upload`, async (_req: Request, res: Response) => {
      sendError(res, 400, 'BadArgument', 'file uploads are not supported');
    });
  };
}

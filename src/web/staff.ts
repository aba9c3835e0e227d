/**
 * The staff transcript review: JSON API under `/staff/api` and the console at `/staff`.
 *
 *   POST   /staff/api/login                      token → session cookie (rate-limited failures)
 *   POST   /staff/api/logout
 *   GET    /staff/api/me
 *   GET    /staff/api/conversations              filters, newest first, cursor paging
 *   GET    /staff/api/conversations/:key         activities with intent/urgency/sources
 *   GET    /staff/api/conversations/:key/export  ?format=transcript|json|csv
 *   PATCH  /staff/api/conversations/:key         review status, tags, note
 *   DELETE /staff/api/conversations/:key         admins only
 *   POST   /staff/api/conversations/:key/labels  teach: a patient message's right intent, out of scope, or a missed red flag
 *   GET    /staff/api/inbox                      ?days=7|30|90: messages the bot could not answer, grouped
 *   GET    /staff/api/taxonomy                   intents and red-flag conditions with their labels
 *   GET    /staff/api/labels/export              admins only: the labels as the files `npm run nlu:export-labels` writes
 *   GET    /staff/api/stats                      ?days=1|7|30|90
 *   GET    /staff/api/stats/weekly               ?weeks=8: what a clinic lead asks for, per week
 *   GET    /staff/api/audit                      admins only
 *
 * `:key` is `<channel>:<conversation id>` with both parts percent-encoded (so a ':' in a
 * channel id cannot move the split), as the list returns it; URL-encode it again in a path.
 * Every view, export, review change and deletion is written to the audit log before
 * the answer goes out, and so are failed sign-ins, wrong API tokens and requests a
 * reviewer's role does not allow (e.g. a delete).
 */
import type { Request, Response, Server } from 'restify';
import type { z } from 'zod';
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { RouteModule } from './server';
import type { ConversationFilter, ConversationPage, Database } from '../storage/types';
import { sendError, sendJson } from './request/respond';
import {
  accountForToken,
  authenticate,
  callerIp,
  callerKey,
  clearedSessionCookie,
  CSRF_HEADER,
  CSRF_VALUE,
  isSecureRequest,
  sessionCookie,
  type StaffCaller,
} from '../staff/auth';
import { activityView, conversationKey, parseConversationKey, safeFileName, summaryView, toCsv, toTranscript } from '../staff/export';
import { LoginGuard } from '../staff/loginGuard';
import { auditQuery, exportQuery, firstIssue, inboxQuery, labelBody, listQuery, loginBody, reviewBody, statsQuery, weeklyQuery } from '../staff/schemas';
import { createStaticHandler, setApiHeaders } from './staffStatic';
import { createStaffStore, createTeachingStore } from '../staff/store';
import type { NewAuditEntry, StaffStore } from '../staff/store/types';
import type { Label, TeachingStore } from '../staff/store/teachingTypes';
import { intentLabel, INTENT_LABELS } from '../domain/taxonomy';
import { loadSourceTitles, type SourceTitles } from '../domain/sources';
import { ESCALATION_LEVELS } from '../domain/urgency';
import { CONDITION_LABELS } from '../staff/teaching/conditions';
import { groupMessages, inboxMessages } from '../staff/teaching/inbox';
import { weeklyReport } from '../staff/teaching/weekly';
import { exportLabelFiles } from '../staff/teaching/exportLabels';
import { hashSecret, newSessionId } from '../staff/tokens';

export interface StaffRouteDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /** Defaults to the store on `db`'s own SQL handle. */
  store?: StaffStore;
  teaching?: TeachingStore;
  /** Source document titles; defaults to `dialogs/_sources.yaml`. */
  sourceTitles?: SourceTitles;
  loginGuard?: LoginGuard;
  now?: () => Date;
}

type Handler = (req: Request, res: Response) => Promise<void>;

/** Longest conversation key accepted (both parts percent-encoded). */
const MAX_KEY_CHARS = 3200;
type AuthedHandler = (caller: StaffCaller, req: Request, res: Response) => Promise<void>;

export function staffRoutes(deps: StaffRouteDeps): RouteModule {
  return (server: Server) => installStaffRoutes(server, deps);
}

export function installStaffRoutes(server: Server, deps: StaffRouteDeps): void {
  const { config, db, logger } = deps;
  const store = deps.store ?? createStaffStore(db);
  const teaching = deps.teaching ?? createTeachingStore(db);
  let titles = deps.sourceTitles;
  const sourceTitles = (): SourceTitles | undefined => {
    if (titles) return titles;
    try {
      titles = loadSourceTitles();
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'staff console: source titles unavailable');
    }
    return titles;
  };
  const view = (a: Parameters<typeof activityView>[0]) => activityView(a, sourceTitles());
  const guard = deps.loginGuard ?? new LoginGuard();
  const now = deps.now ?? (() => new Date());
  const sessionSeconds = config.STAFF_SESSION_HOURS * 3600;

  /** Runs a handler; anything unexpected becomes a logged 500 without details. */
  const safe = (fn: Handler): Handler => async (req, res) => {
    setApiHeaders(res);
    try {
      await fn(req, res);
    } catch (err) {
      logger.error({ err: err instanceof Error ? { name: err.name, message: err.message } : String(err), path: req.path() }, 'staff API error');
      if (!res.headersSent) sendError(res, 500, 'internal', 'Something went wrong. The error has been logged.');
    }
  };

  const tooMany = (res: Response, seconds: number): void => {
    res.setHeader('Retry-After', String(seconds));
    sendError(res, 429, 'rate_limited', `Too many failed sign-in attempts from this address. Try again in ${seconds} seconds.`);
  };

  /** Authentication, CSRF check for cookie callers, and the admin role where needed. */
  const authed = (options: { admin?: boolean }, fn: AuthedHandler): Handler => safe(async (req, res) => {
    const key = callerKey(req, config);
    const wait = await guard.blocked(key);
    if (wait > 0 && req.headers.authorization !== undefined) return tooMany(res, wait);
    const auth = await authenticate(store, req, now());
    if (!auth.ok) {
      if (auth.badToken) {
        const blockFor = await guard.fail(key);
        // A wrong or revoked API token is a failed sign-in, audited like one (never the token itself).
        await audit(null, req, { action: 'auth.failed', detail: { via: 'bearer', method: req.method ?? '', path: req.path() } });
        if (blockFor > 0) return tooMany(res, blockFor);
      }
      res.setHeader('WWW-Authenticate', 'Bearer realm="calfbot-staff"');
      return sendError(res, 401, 'unauthenticated', 'Sign in with a staff token first.');
    }
    const { caller } = auth;
    const changes = !['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? 'GET');
    if (changes && caller.via === 'session' && req.headers[CSRF_HEADER] !== CSRF_VALUE) {
      return sendError(res, 403, 'csrf', `Requests that change data need the header X-Requested-With: ${CSRF_VALUE}.`);
    }
    if (options.admin && caller.account.role !== 'admin') {
      const raw = (req.params as Record<string, string | undefined> | undefined)?.key;
      const target = raw && raw.length <= MAX_KEY_CHARS ? parseConversationKey(raw) : null;
      await audit(caller, req, { action: 'access.denied', target, detail: { method: req.method ?? '', path: req.path() } });
      return sendError(res, 403, 'forbidden', 'Only admins may do this.');
    }
    await fn(caller, req, res);
  });

  const audit = async (caller: StaffCaller | null, req: Request, entry: Omit<NewAuditEntry, 'at' | 'actor' | 'ip'>): Promise<void> => {
    await store.appendAudit({
      ...entry,
      at: now().toISOString(),
      actor: caller ? { id: caller.account.id, name: caller.account.name, role: caller.account.role } : null,
      ip: callerIp(req, config),
    });
  };

  /** Parses with a schema or answers 400 naming the parameter. */
  const parse = <S extends z.ZodType>(res: Response, schema: S, input: unknown): z.output<S> | undefined => {
    const result = schema.safeParse(input ?? {});
    if (result.success) return result.data;
    const { field, message } = firstIssue(result.error);
    sendError(res, 400, 'invalid_request', message, field);
    return undefined;
  };

  const refOf = (req: Request, res: Response): { channel: string; id: string } | undefined => {
    const raw = (req.params as Record<string, string | undefined>).key ?? '';
    const ref = raw.length <= MAX_KEY_CHARS ? parseConversationKey(raw) : null;
    if (!ref) sendError(res, 400, 'invalid_request', 'id must be "<channel>:<conversation id>", as in the conversation list\'s "key"', 'id');
    return ref ?? undefined;
  };

  const notFound = (res: Response): void => sendError(res, 404, 'not_found', 'No such conversation (it may have been deleted or purged).');

  // ---- sessions ---------------------------------------------------------------------

  server.post('/staff/api/login', safe(async (req, res) => {
    const key = callerKey(req, config);
    const wait = await guard.blocked(key);
    if (wait > 0) return tooMany(res, wait);
    if (req.headers[CSRF_HEADER] !== CSRF_VALUE) {
      return sendError(res, 403, 'csrf', `Sign-in requests need the header X-Requested-With: ${CSRF_VALUE}.`);
    }
    const body = parse(res, loginBody, typeof req.body === 'object' ? req.body : undefined);
    if (!body) return;
    const account = await accountForToken(store, body.token);
    if (!account) {
      const blockFor = await guard.fail(key);
      await audit(null, req, { action: 'login.failed' });
      if (blockFor > 0) return tooMany(res, blockFor);
      return sendError(res, 401, 'invalid_token', 'That staff token is not valid (or has been revoked).', 'token');
    }
    const sid = newSessionId();
    const at = now();
    const expiresAt = new Date(at.getTime() + sessionSeconds * 1000).toISOString();
    await store.deleteExpiredSessions(at.toISOString());
    await store.createSession({ idHash: hashSecret(sid), accountId: account.id, createdAt: at.toISOString(), expiresAt });
    await store.touchLogin(account.id, at.toISOString());
    await audit({ account, via: 'session', sessionHash: null, sessionExpiresAt: null }, req, { action: 'session.login' });
    sendJson(res, 200, { name: account.name, role: account.role, expiresAt }, { 'set-cookie': sessionCookie(sid, sessionSeconds, isSecureRequest(req, config)) });
  }));

  server.post('/staff/api/logout', authed({}, async (caller, req, res) => {
    if (caller.sessionHash) await store.deleteSession(caller.sessionHash);
    await audit(caller, req, { action: 'session.logout' });
    res.setHeader('set-cookie', clearedSessionCookie(isSecureRequest(req, config)));
    res.writeHead(204);
    res.end();
  }));

  server.get('/staff/api/me', authed({}, async (caller, _req, res) => {
    const { account } = caller;
    sendJson(res, 200, { id: account.id, name: account.name, role: account.role, via: caller.via, expiresAt: caller.sessionExpiresAt });
  }));

  // ---- conversations ----------------------------------------------------------------

  server.get('/staff/api/conversations', authed({}, async (caller, req, res) => {
    const query = parse(res, listQuery, req.query);
    if (!query) return;
    const { cursor, limit, urgency, includeEmpty, ...rest } = query;
    const filter = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as ConversationFilter;
    if (urgency?.atLeast) filter.minUrgency = urgency.level;
    else if (urgency) filter.urgency = urgency.level;
    if (!includeEmpty) filter.withUserMessages = true;
    let page;
    try {
      page = await db.listConversations(filter, cursor ?? null, limit);
    } catch (err) {
      if (cursor && err instanceof Error && /cursor/i.test(err.message)) {
        return sendError(res, 400, 'invalid_request', 'cursor is not a cursor from this API (or it belongs to another filter)', 'cursor');
      }
      throw err;
    }
    // One entry per search, not per page.
    if (!cursor) await audit(caller, req, { action: 'conversations.list', detail: { filter } });
    const firstTexts = await teaching.firstUserTexts(page.items);
    sendJson(res, 200, {
      items: page.items.map((c) => {
        const first = firstTexts.get(conversationKey(c)) ?? null;
        return { ...summaryView(c), intentLabels: c.intents.map(intentLabel), firstMessage: first && first.length > 80 ? `${first.slice(0, 79).trimEnd()}…` : first };
      }),
      nextCursor: page.nextCursor,
    });
  }));

  server.get('/staff/api/conversations/:key', authed({}, async (caller, req, res) => {
    const ref = refOf(req, res);
    if (!ref) return;
    const summary = await db.getConversation(ref);
    if (!summary) return notFound(res);
    const activities = await db.getConversationActivities(ref);
    const labels = await teaching.labelsFor(ref);
    await audit(caller, req, { action: 'conversation.view', target: ref });
    sendJson(res, 200, { conversation: { ...summaryView(summary), intentLabels: summary.intents.map(intentLabel) }, activities: activities.map(view), labels: labels.map(labelView) });
  }));

  server.get('/staff/api/conversations/:key/export', authed({}, async (caller, req, res) => {
    const ref = refOf(req, res);
    if (!ref) return;
    const query = parse(res, exportQuery, req.query);
    if (!query) return;
    const summary = await db.getConversation(ref);
    if (!summary) return notFound(res);
    const activities = await db.getConversationActivities(ref);
    await audit(caller, req, { action: 'conversation.export', target: ref, detail: { format: query.format, activities: activities.length } });
    const base = safeFileName(ref.id);
    let body: string;
    let type: string;
    let file: string;
    if (query.format === 'transcript') {
      body = JSON.stringify(toTranscript(summary, activities), null, 2);
      type = 'application/json; charset=utf-8';
      file = `${base}.transcript`;
    } else if (query.format === 'json') {
      body = JSON.stringify({
        conversation: summaryView(summary),
        exportedAt: now().toISOString(),
        exportedBy: caller.account.name,
        activities: activities.map(view),
      }, null, 2);
      type = 'application/json; charset=utf-8';
      file = `${base}.json`;
    } else {
      body = toCsv(activities, sourceTitles());
      type = 'text/csv; charset=utf-8';
      file = `${base}.csv`;
    }
    res.writeHead(200, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'content-disposition': `attachment; filename="${file}"`,
    });
    res.end(body);
  }));

  server.patch('/staff/api/conversations/:key', authed({}, async (caller, req, res) => {
    const ref = refOf(req, res);
    if (!ref) return;
    const patch = parse(res, reviewBody, typeof req.body === 'object' ? req.body : undefined);
    if (!patch) return;
    const before = await db.getConversation(ref);
    if (!before) return notFound(res);
    const updated = await db.updateReview(ref, patch);
    if (!updated) return notFound(res);
    await audit(caller, req, {
      action: 'conversation.review',
      target: ref,
      // The note may hold clinical detail: record that it changed, not what it says.
      detail: { ...(patch.status ? { status: patch.status } : {}), ...(patch.tags ? { tags: patch.tags } : {}), ...(patch.note !== undefined && patch.note !== before.note ? { noteChanged: true } : {}) },
    });
    sendJson(res, 200, { ...summaryView(updated), intentLabels: updated.intents.map(intentLabel) });
  }));

  server.del('/staff/api/conversations/:key', authed({ admin: true }, async (caller, req, res) => {
    const ref = refOf(req, res);
    if (!ref) return;
    const existed = await db.deleteConversation(ref);
    if (!existed) return notFound(res);
    await audit(caller, req, { action: 'conversation.delete', target: ref });
    res.writeHead(204);
    res.end();
  }));

  // ---- teaching ---------------------------------------------------------------------

  server.post('/staff/api/conversations/:key/labels', authed({}, async (caller, req, res) => {
    const ref = refOf(req, res);
    if (!ref) return;
    const body = parse(res, labelBody, typeof req.body === 'object' ? req.body : undefined);
    if (!body) return;
    const message = await teaching.activity(ref, body.seq);
    if (!message) return sendError(res, 404, 'not_found', 'No such message in this conversation (it may have been deleted or purged).', 'seq');
    if (message.role !== 'user' || message.type !== 'message' || !message.text) {
      return sendError(res, 400, 'invalid_request', 'seq must be a patient message with text (only what patients wrote can be labelled)', 'seq');
    }
    const label = await teaching.addLabel({
      channel: ref.channel,
      conversationId: ref.id,
      seq: body.seq,
      text: message.text,
      kind: body.kind,
      intent: body.kind === 'intent' ? body.intent ?? null : null,
      condition: body.kind === 'missed_red_flag' ? body.condition ?? null : null,
      level: body.kind === 'missed_red_flag' ? body.level ?? null : null,
      actor: { id: caller.account.id, name: caller.account.name },
      createdAt: now().toISOString(),
    });
    await audit(caller, req, {
      action: 'message.label',
      target: ref,
      // The label, never the message text.
      detail: { seq: body.seq, kind: label.kind, ...(label.intent ? { intent: label.intent } : {}), ...(label.condition ? { condition: label.condition, level: label.level } : {}) },
    });
    sendJson(res, 201, labelView(label));
  }));

  server.get('/staff/api/inbox', authed({}, async (caller, req, res) => {
    const query = parse(res, inboxQuery, req.query);
    if (!query) return;
    const since = new Date(now().getTime() - query.days * 86_400_000).toISOString();
    const rows = await teaching.transcriptSince(since, MAX_TEACHING_ROWS);
    const labelled = new Set((await teaching.allLabels()).map((l) => `${l.channel}:${l.conversationId}#${l.seq}`));
    const groups = groupMessages(inboxMessages(rows, { answerThreshold: config.NLU_ANSWER_THRESHOLD, labelled }));
    await audit(caller, req, { action: 'inbox.view', detail: { days: query.days } });
    sendJson(res, 200, {
      days: query.days,
      truncated: rows.length >= MAX_TEACHING_ROWS,
      groups: groups.map((g) => ({ ...g, messages: g.messages.slice(0, 20).map((m) => ({ ...m, intentLabel: m.intent ? intentLabel(m.intent) : null })) })),
    });
  }));

  server.get('/staff/api/taxonomy', authed({}, async (_caller, _req, res) => {
    sendJson(res, 200, {
      intents: Object.entries(INTENT_LABELS).map(([id, label]) => ({ id, label })),
      conditions: Object.entries(CONDITION_LABELS).map(([id, label]) => ({ id, label })),
    });
  }));

  server.get('/staff/api/labels/export', authed({ admin: true }, async (caller, req, res) => {
    const labels = await teaching.allLabels();
    const files = exportLabelFiles(labels);
    await audit(caller, req, { action: 'labels.export', detail: { labels: labels.length, files: files.map((f) => f.path) } });
    sendJson(res, 200, { files });
  }));

  // ---- stats and audit --------------------------------------------------------------

  server.get('/staff/api/stats/weekly', authed({}, async (_caller, req, res) => {
    const query = parse(res, weeklyQuery, req.query);
    if (!query) return;
    const at = now();
    const since = new Date(at.getTime() - query.weeks * 7 * 86_400_000).toISOString();
    const rows = await teaching.transcriptSince(since, MAX_TEACHING_ROWS);
    const report = weeklyReport(rows, await teaching.firstReviews(since), { weeks: query.weeks, now: at, answerThreshold: config.NLU_ANSWER_THRESHOLD });
    sendJson(res, 200, {
      ...report,
      truncated: rows.length >= MAX_TEACHING_ROWS,
      feedback: report.feedback.map((f) => ({ ...f, label: intentLabel(f.intent) })),
      conditionLabels: CONDITION_LABELS,
    });
  }));

  server.get('/staff/api/stats', authed({}, async (_caller, req, res) => {
    const query = parse(res, statsQuery, req.query);
    if (!query) return;
    const stats = await db.stats(query.days);
    const rows = await teaching.transcriptSince(stats.since, MAX_TEACHING_ROWS);
    const conversations = new Set(rows.filter((r) => r.role === 'user' && r.type === 'message').map((r) => `${r.channel}:${r.conversationId}`)).size;
    sendJson(res, 200, {
      ...stats,
      conversations,
      topIntents: stats.topIntents.map((t) => ({ ...t, label: intentLabel(t.intent) })),
      escalationsPerDay: await escalationsPerDay(db, stats.since),
    });
  }));

  server.get('/staff/api/audit', authed({ admin: true }, async (_caller, req, res) => {
    const query = parse(res, auditQuery, req.query);
    if (!query) return;
    let target: { channel: string; id: string } | undefined;
    if (query.conversation) {
      const ref = parseConversationKey(query.conversation);
      if (!ref) return sendError(res, 400, 'invalid_request', 'conversation must be "<channel>:<conversation id>"', 'conversation');
      target = ref;
    }
    const page = await store.listAudit(
      { action: query.action, actorName: query.actor, target },
      query.cursor ? Number(query.cursor) : null,
      query.limit,
    );
    sendJson(res, 200, {
      items: page.items.map((e) => ({ ...e, conversation: e.target ? conversationKey(e.target) : null })),
      nextCursor: page.nextBeforeId === null ? null : String(page.nextBeforeId),
    });
  }));

  // Anything else under /staff/api: 401 without a session, 404 with one.
  const unknown = authed({}, async (_caller, _req, res) => sendError(res, 404, 'not_found', 'No such staff API route.'));
  for (const method of ['get', 'post', 'put', 'patch', 'del'] as const) server[method]('/staff/api/*', unknown);

  // ---- the console ------------------------------------------------------------------
  const serveStatic = createStaticHandler(logger);
  server.get('/staff', serveStatic);
  server.get('/staff/', serveStatic);
  server.get('/staff/:file', serveStatic);
}

/** Most transcript rows the inbox and the weekly stats read per request; a clinic sees far fewer. */
const MAX_TEACHING_ROWS = 50_000;

function labelView(l: Label) {
  return { ...l, conversation: conversationKey({ channel: l.channel, id: l.conversationId }), intentLabel: l.intent ? intentLabel(l.intent) : null };
}

/** Most escalated conversations counted per window; a clinic sees far fewer. */
const MAX_ESCALATED = 5000;

/**
 * Escalated conversations per UTC day (by last activity), for the console's chart;
 * the storage index gives escalation totals, this spreads them over the days.
 */
async function escalationsPerDay(db: Database, since: string): Promise<{ date: string; urgent: number; emergency: number }[]> {
  const days = new Map<string, { date: string; urgent: number; emergency: number }>();
  for (const urgency of ESCALATION_LEVELS) {
    let cursor: string | null = null;
    let seen = 0;
    do {
      const page: ConversationPage = await db.listConversations({ urgency, from: since }, cursor, 100);
      for (const c of page.items) {
        const date = c.lastAt.slice(0, 10);
        const day = days.get(date) ?? { date, urgent: 0, emergency: 0 };
        day[urgency]++;
        days.set(date, day);
      }
      seen += page.items.length;
      cursor = page.nextCursor;
    } while (cursor && seen < MAX_ESCALATED);
  }
  return [...days.values()].sort((a, b) => a.date.localeCompare(b.date));
}

/**
 * A small in-process server for the security tests: the real createServer, adapter,
 * CalfBot, reply-metadata/normalize middleware and rate limiter, with a scripted dialog
 * and a stand-in triage step (escalates on "clot" / "chest pain" before touching state,
 * like the real triage middleware). The tests that need the full bot use startTestService.
 */
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { ConversationState, MemoryStorage, type Middleware, type Storage, type TurnContext, type StatePropertyAccessor } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import { testConfig } from '../src/config';
import { silentLogger, type Logger } from '../src/logger';
import { createAdapter, type CalfAdapter } from '../src/adapter';
import { CalfBot, type ConversationDialog } from '../src/turn/6-dialogs';
import { createServer } from '../src/web/server';
import { ReplyMetadataMiddleware } from '../src/turn/7-replyMetadata';
import { NormaliseMiddleware } from '../src/turn/1-normalise';
import { InputGuardMiddleware } from '../src/turn/4-inputGuard';
import { turnMeta } from '../src/turn/turnMeta';

export const ESCALATION_TEXT = 'ESCALATION: please seek medical care now.';

/** Echoes the text and counts turns in conversation state (so state corruption shows). */
export class EchoDialog implements ConversationDialog {
  async run(context: TurnContext, accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    const state = (await accessor.get(context, { dialogStack: [] })) as DialogState & { turns?: number };
    state.turns = (state.turns ?? 0) + 1;
    await context.sendActivity({ type: 'message', text: `echo(${state.turns}): ${context.activity.text ?? ''}`, channelData: { intent: 'echo' } });
  }
  async sendWelcome(context: TurnContext): Promise<void> {
    await context.sendActivity('welcome');
  }
}

/** Stand-in for the triage middleware: escalates red flags before any state access. */
export class StandInTriage implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const text = context.activity.type === 'message' ? context.activity.text ?? '' : '';
    if (/\b(clot|chest pain)\b/i.test(text)) {
      const meta = turnMeta(context);
      meta.urgency = /chest pain/i.test(text) ? 'emergency' : 'urgent';
      meta.redFlags = ['stand-in'];
      meta.escalated = true;
      await context.sendActivity({ type: 'message', text: ESCALATION_TEXT });
    }
    await next();
  }
}

export interface Harness {
  url: string;
  /** A fake Bot Framework channel on loopback: use as serviceUrl for deliveryMode "normal". */
  channelUrl: string;
  /** Activities the bot POSTed to the fake channel. */
  channelPosts: number;
  adapter: CalfAdapter;
  rateLimit: InputGuardMiddleware;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  storage?: Storage;
  logger?: Logger;
  dialog?: ConversationDialog;
  ready?: () => Promise<boolean>;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const logger = options.logger ?? silentLogger;
  const config = testConfig({ HOST: '127.0.0.1', ...(options.env ?? {}) });
  const adapter = createAdapter(config, logger);
  const bot = new CalfBot(new ConversationState(options.storage ?? new MemoryStorage()), options.dialog ?? new EchoDialog());
  const rateLimit = new InputGuardMiddleware({ config, logger });
  for (const m of [new ReplyMetadataMiddleware(), new NormaliseMiddleware(), new StandInTriage(), rateLimit]) adapter.use(m);
  const { server, drain } = createServer({
    adapter,
    bot,
    logger,
    readiness: async () => {
      const storage = options.ready ? await options.ready() : true;
      return { ready: storage, checks: { storage } };
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const channel = await startFakeChannel();
  const harness: Harness = {
    url: `http://127.0.0.1:${port}`,
    channelUrl: channel.url,
    get channelPosts() {
      return channel.posts();
    },
    adapter,
    rateLimit,
    stop: async () => {
      await drain(2000);
      channel.server.closeAllConnections();
      await new Promise<void>((resolve) => channel.server.close(() => resolve()));
    },
  };
  return harness;
}

/** Answers the Connector API's "send to conversation" / "reply to activity" with an id. */
async function startFakeChannel(): Promise<{ server: HttpServer; url: string; posts: () => number }> {
  let posts = 0;
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      posts++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `fake-${posts}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/`, posts: () => posts };
}

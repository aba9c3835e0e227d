/**
 * Seeding for the staff tests: conversations through the transcript store (or, with
 * `chatWithBot`, by talking to the real bot), accounts through the staff store.
 */
import type { Activity, TurnContext, StatePropertyAccessor } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import type { ConversationDialog } from '../src/turn/6-dialogs';
import type { Database } from '../src/storage/types';
import { createStaffStore } from '../src/staff/store';
import type { StaffRole } from '../src/staff/store/types';
import { hashSecret, newAccountId, newToken } from '../src/staff/tokens';
import type { SourceRef } from '../src/domain/sources';
import type { Urgency } from '../src/domain/urgency';
import { messageActivity, postActivity, type ReplyActivity } from './helpers/service';

export interface SeedTurn {
  user: string;
  bot: string;
  intent?: string | null;
  urgency?: Urgency;
  sources?: SourceRef[];
}

/** Logs a conversation: user message then bot reply per turn, one minute apart, from `start`. */
export async function seedConversation(db: Database, channel: string, id: string, start: Date, turns: SeedTurn[]): Promise<Partial<Activity>[]> {
  const logged: Partial<Activity>[] = [];
  // Each turn takes a minute (user, bot 20 s later, next user 40 s after that). A conversation
  // seeded "today" just after midnight would end in the future and sort above one posted live:
  // it is moved back to end a second ago (its last activity, which lists sort on, stays today).
  const span = turns.length * 60_000 - 40_000;
  let t = Math.min(start.getTime(), Date.now() - 1000 - span);
  let n = 0;
  for (const turn of turns) {
    const userId = `${id}-u${++n}`;
    const user: Partial<Activity> = {
      type: 'message', id: userId, text: turn.user, channelId: channel, timestamp: new Date(t),
      conversation: { id, isGroup: false, conversationType: 'personal', name: '' },
      from: { id: 'patient-1', name: 'Patient', role: 'user' }, recipient: { id: 'bot', name: 'calfbot', role: 'bot' },
    };
    t += 20_000;
    const bot: Partial<Activity> = {
      type: 'message', id: `${id}-b${n}`, replyToId: userId, text: turn.bot, channelId: channel, timestamp: new Date(t),
      conversation: { id, isGroup: false, conversationType: 'personal', name: '' },
      from: { id: 'bot', name: 'calfbot', role: 'bot' }, recipient: { id: 'patient-1', name: 'Patient', role: 'user' },
      channelData: { intent: turn.intent ?? null, urgency: turn.urgency ?? 'none', ...(turn.sources ? { sources: turn.sources } : {}) },
    };
    t += 40_000;
    await db.transcripts.logActivity(user as Activity);
    await db.transcripts.logActivity(bot as Activity);
    logged.push(user, bot);
  }
  return logged;
}

/**
 * Has a patient conversation with the real bot: each message is POSTed to
 * `/api/messages` (expectReplies) in turn, exactly as a channel would, so what the
 * transcript store holds (redaction, intents, urgency, sources) is what production
 * stores. The service must run the real recognizer, dialogs and triage (no overrides).
 * Returns the bot's replies, one array per message; throws on any non-200.
 */
export async function chatWithBot(baseUrl: string, conversationId: string, messages: string[], options: { channelId?: string; userId?: string } = {}): Promise<ReplyActivity[][]> {
  const channelId = options.channelId ?? 'webchat';
  const from = { id: options.userId ?? `${conversationId}-patient`, name: 'Patient' };
  const replies: ReplyActivity[][] = [];
  for (const text of messages) {
    const res = await postActivity(baseUrl, messageActivity(text, conversationId, { channelId, from }));
    if (res.status !== 200) throw new Error(`POST /api/messages ${JSON.stringify(text)} in ${conversationId}: HTTP ${res.status}`);
    replies.push(res.replies);
  }
  return replies;
}

/** Creates an account the way `npm run staff:add` does; returns its token. */
export async function addStaff(db: Database, name: string, role: StaffRole): Promise<{ token: string; id: string }> {
  const token = newToken();
  const account = await createStaffStore(db).createAccount({ id: newAccountId(), name, role, tokenHash: hashSecret(token), createdAt: new Date().toISOString() });
  return { token, id: account.id };
}

/** A dialog that echoes, so the service starts without loading the language models. */
export class EchoDialog implements ConversationDialog {
  async run(context: TurnContext, _accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
  }
  async sendWelcome(): Promise<void> {}
}

/**
 * `hour` o'clock UTC, `days` days ago. When that is still ahead (today before `hour`), an hour
 * ago, but never before the start of that UTC day: shortly after midnight "today" must not
 * slide into yesterday (a date-range filter test failed at 00:07 UTC).
 */
export const daysAgo = (days: number, hour = 10): Date => {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - days);
  d.setUTCHours(hour, 0, 0, 0);
  if (d.getTime() > Date.now()) {
    const startOfDay = new Date(d);
    startOfDay.setUTCHours(0, 0, 0, 0);
    d.setTime(Math.max(startOfDay.getTime(), Date.now() - 3600_000));
  }
  return d;
};

/**
 * A free TCP port. (The config currently rejects PORT=0, which startTestService uses;
 * until that is allowed, staff tests pass an explicit free port.)
 */
export async function freePort(): Promise<string> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(String(port)));
    });
  });
}

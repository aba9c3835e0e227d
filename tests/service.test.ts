import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import type { DialogState } from 'botbuilder-dialogs';
import type { ConversationDialog } from '../src/turn/6-dialogs';
import { APOLOGY } from '../src/adapter';
import { messageActivity, postActivity, startTestService } from './helpers/service';
import type { Service } from '../src/service';

/** A dialog that fails on demand and is slow on demand, to exercise the service around it. */
class ScriptedDialog implements ConversationDialog {
  async run(context: TurnContext, _accessor: StatePropertyAccessor<DialogState>): Promise<void> {
    const text = context.activity.text ?? '';
    if (text === 'crash') throw new Error('scripted failure');
    if (text.startsWith('slow')) await new Promise((r) => setTimeout(r, 400));
    await context.sendActivity(`echo: ${text}`);
  }
  async sendWelcome(context: TurnContext): Promise<void> {
    await context.sendActivity('welcome');
  }
}

describe('the HTTP service', () => {
  let service: Service;
  beforeAll(async () => {
    service = await startTestService({}, { overrides: { dialog: new ScriptedDialog() } });
  });
  afterAll(async () => service?.stop());

  it('answers liveness and readiness', async () => {
    const health = await fetch(`${service.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { storage: true, languageModel: true } });
  });

  it('returns expectReplies replies, each carrying channelData intent and urgency', async () => {
    const { status, replies } = await postActivity(service.url, messageActivity('hello there', 'svc-1'));
    expect(status).toBe(200);
    expect(replies.map((r) => r.text)).toEqual(['echo: hello there']);
    expect(replies[0]?.channelData).toEqual({ intent: null, urgency: 'none' });
  });

  it('welcomes a new member once per conversation', async () => {
    const update = (id: string) => ({ ...messageActivity('', 'svc-welcome'), type: 'conversationUpdate', text: undefined, id, membersAdded: [{ id: 'user-1' }] });
    const first = await postActivity(service.url, update('w1'));
    const second = await postActivity(service.url, update('w2'));
    expect(first.replies.map((r) => r.text)).toEqual(['welcome']);
    expect(second.replies).toEqual([]);
  });

  it('apologises when a turn fails, and keeps serving', async () => {
    const failed = await postActivity(service.url, messageActivity('crash', 'svc-2'));
    expect(failed.status).toBe(200);
    expect(failed.replies.map((r) => r.text)).toEqual([APOLOGY]);
    expect(failed.replies[0]?.channelData?.urgency).toBe('none');
    const next = await postActivity(service.url, messageActivity('still there?', 'svc-2'));
    expect(next.replies.map((r) => r.text)).toEqual(['echo: still there?']);
  });
});

describe('graceful shutdown', () => {
  it('finishes the turn in flight, then refuses new connections', async () => {
    const service = await startTestService({}, { overrides: { dialog: new ScriptedDialog() } });
    const inFlight = postActivity(service.url, messageActivity('slow question', 'svc-3'));
    await new Promise((r) => setTimeout(r, 100));
    await service.stop();
    const { status, replies } = await inFlight;
    expect(status).toBe(200);
    expect(replies.map((r) => r.text)).toEqual(['echo: slow question']);
    await expect(fetch(`${service.url}/healthz`)).rejects.toThrow();
  });
});

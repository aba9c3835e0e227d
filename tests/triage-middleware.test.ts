import { ActivityTypes, ConversationState, MemoryStorage, TestAdapter, type Activity, type Storage, type StoreItems, type TurnContext } from 'botbuilder';
import { DialogSet, DialogTurnStatus, TextPrompt, WaterfallDialog, type DialogState } from 'botbuilder-dialogs';
import { describe, expect, it } from 'vitest';
import { testConfig, type Config } from '../src/config';

import { ReplyMetadataMiddleware } from '../src/turn/7-replyMetadata';
import { triageMiddleware } from './helpers/turn';
import { NormaliseMiddleware } from '../src/turn/1-normalise';




class BrokenStorage implements Storage {
  read(_keys: string[]): Promise<StoreItems> {
    return Promise.reject(new Error('database unreachable'));
  }
  write(_changes: StoreItems): Promise<void> {
    return Promise.reject(new Error('database unreachable'));
  }
  delete(_keys: string[]): Promise<void> {
    return Promise.reject(new Error('database unreachable'));
  }
}

interface Harness {
  adapter: TestAdapter;
  storage: Storage;
  botTurns: string[];
  dialogStack(context: TurnContext): Promise<number>;
}

/** A bot with a two-step self-test dialog, behind reply metadata + triage. */
function harness(config: Config = testConfig(), storage: Storage = new MemoryStorage()): Harness {
  const conversationState = new ConversationState(storage);
  const dialogState = conversationState.createProperty<DialogState>('DialogState');
  const dialogs = new DialogSet(dialogState);
  dialogs.add(new TextPrompt('text'));
  dialogs.add(new WaterfallDialog('selftest', [
    async (step) => step.prompt('text', 'Step 1: how many heel raises can you do?'),
    async (step) => step.prompt('text', 'Step 2: does it hurt when you stretch?'),
    async (step) => {
      await step.context.sendActivity('Self-test finished.');
      return step.endDialog();
    },
  ]));
  const botTurns: string[] = [];
  const adapter = new TestAdapter(async (context) => {
    botTurns.push(context.activity.text ?? '');
    const dc = await dialogs.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) {
      if (context.activity.text === 'start') await dc.beginDialog('selftest');
      else await context.sendActivity('menu');
    }
    await conversationState.saveChanges(context);
  });
  adapter.use(new NormaliseMiddleware());
  adapter.use(new ReplyMetadataMiddleware());
  adapter.use(triageMiddleware({ conversationState, dialogState, config }));
  return {
    adapter,
    storage,
    botTurns,
    async dialogStack(context) {
      const state = await dialogState.get(context, { dialogStack: [] });
      return state.dialogStack.length;
    },
  };
}

function attachmentContent(activity: Partial<Activity>): Record<string, unknown> {
  const a = activity.attachments?.[0];
  expect(a?.contentType).toBe('application/vnd.microsoft.card.adaptive');
  return a?.content as Record<string, unknown>;
}

function actions(activity: Partial<Activity>): { type: string; url?: string; title: string }[] {
  return (attachmentContent(activity).actions ?? []) as { type: string; url?: string; title: string }[];
}

describe('TriageMiddleware', () => {
  it('answers a red flag with the urgent card first, with text fallback and channelData.urgency, and the bot does not run', async () => {
    const h = harness(testConfig({ CLINIC_PHONE: '+44 20 7946 0123' }));
    const replies: Partial<Activity>[] = [];
    await h.adapter.send('could this be a DVT?').assertReply((a) => {
      replies.push(a);
    });
    const [first] = replies;
    if (!first) throw new Error('no reply');
    expect(first.type).toBe(ActivityTypes.Message);
    expect(first.text).toMatch(/today/);
    expect(first.text).toContain('+44 20 7946 0123');
    expect((first.channelData as { urgency: string }).urgency).toBe('urgent');
    // Same-day medical assessment first, the clinic after it.
    const tels = actions(first).filter((x) => x.url?.startsWith('tel:')).map((x) => x.url);
    expect(tels[0]).toBe('tel:111');
    expect(tels).toContain('tel:+442079460123');
    expect(h.botTurns).toEqual([]);
  });

  it('an emergency uses EMERGENCY_NUMBER (999)', async () => {
    const h = harness(testConfig({ EMERGENCY_NUMBER: '999' }));
    await h.adapter.send('my calf is swollen and now I have chest pain').assertReply((a) => {
      expect((a.channelData as { urgency: string }).urgency).toBe('emergency');
      expect(a.text).toContain('999');
      expect(a.text).not.toContain('911');
      expect(actions(a)[0]?.url).toBe('tel:999');
    });
    expect(h.botTurns).toEqual([]);
  });

  it('benign messages go on to the bot with urgency none', async () => {
    const h = harness();
    await h.adapter.send('my calves are tight after running').assertReply((a) => {
      expect(a.text).toBe('menu');
      expect((a.channelData as { urgency: string }).urgency).toBe('none');
    });
    expect(h.botTurns).toEqual(['my calves are tight after running']);
  });

  it('catches a red flag typed mid-dialog and cancels the dialog', async () => {
    const h = harness();
    await h.adapter
      .send('start').assertReply((a) => { expect(a.text).toMatch(/Step 1/); })
      .send('about 20').assertReply((a) => { expect(a.text).toMatch(/Step 2/); })
      .send('also my calf is swollen and red').assertReply((a) => {
        expect((a.channelData as { urgency: string }).urgency).toBe('urgent');
      });
    // the dialog was cleared: the next benign message starts fresh at the menu, not step 3
    await h.adapter.send('ok thanks').assertReply('menu');
    expect(h.botTurns).toEqual(['start', 'about 20', 'ok thanks']);
  });

  it('saves the cleared dialog stack to storage', async () => {
    const storage = new MemoryStorage();
    const h = harness(testConfig(), storage);
    await h.adapter.send('start').assertReply((a) => { expect(a.text).toMatch(/Step 1/); }).send('dvt?').assertReply(() => undefined);
    // read the saved conversation state directly
    const state = new ConversationState(storage);
    const accessor = state.createProperty<DialogState>('DialogState');
    let depth = -1;
    const check = new TestAdapter(async (context) => {
      depth = (await accessor.get(context, { dialogStack: [] })).dialogStack.length;
    });
    await check.send('x');
    expect(depth).toBe(0);
  });

  it('still sends the escalation when the storage throws', async () => {
    const h = harness(testConfig(), new BrokenStorage());
    await h.adapter.send('I think I have a blood clot').assertReply((a) => {
      expect((a.channelData as { urgency: string }).urgency).toBe('urgent');
      expect(a.attachments?.length).toBe(1);
    });
  });

  it('triages the text of a card submit (activity.value)', async () => {
    const h = harness();
    await h.adapter.send({ type: ActivityTypes.Message, value: { answer: 'my foot has turned blue' } } as Partial<Activity>).assertReply((a) => {
      expect((a.channelData as { urgency: string }).urgency).toBe('emergency');
    });
  });

  it('ignores non-message activities', async () => {
    const h = harness();
    await h.adapter.send({ type: ActivityTypes.Typing } as Partial<Activity>);
    expect(h.botTurns).toEqual(['']);
  });
});

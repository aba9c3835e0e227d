/**
 * The per-turn savings keep behaviour: the state is written when (and only when) it
 * changed, with what changed; the bot's replies are redacted as before through a bounded
 * memo.
 */
import { describe, expect, it, vi } from 'vitest';
import { TestAdapter, TurnContext, type Activity, type StoreItems } from 'botbuilder';
import { EtagMemoryStorage } from '../src/storage/memory';
import { redact, RedactionMemo } from '../src/storage/redact';
import { CalfConversationState } from '../src/turn/conversationState';

class CountingStorage extends EtagMemoryStorage {
  writes: StoreItems[] = [];
  override write(changes: StoreItems): Promise<void> {
    this.writes.push(JSON.parse(JSON.stringify(changes)) as StoreItems);
    return super.write(changes);
  }
}

function context(): TurnContext {
  const activity: Partial<Activity> = { type: 'message', text: 'hi', channelId: 'test', conversation: { id: 'c1' } as Activity['conversation'], from: { id: 'u1', name: 'u' }, recipient: { id: 'bot', name: 'bot' } };
  return new TurnContext(new TestAdapter(), activity as Activity);
}

describe('ConversationState change check', () => {
  it('writes a changed state once, and an unchanged one never', async () => {
    const storage = new CountingStorage();
    const state = new CalfConversationState(storage);
    const count = state.createProperty<number>('count');

    const t1 = context();
    await count.set(t1, 1);
    await state.saveChanges(t1);
    await state.saveChanges(t1); // nothing changed since the save
    expect(storage.writes).toHaveLength(1);

    const t2 = context();
    expect(await count.get(t2)).toBe(1);
    await state.saveChanges(t2); // read, not changed
    expect(storage.writes).toHaveLength(1);

    const t3 = context();
    await count.set(t3, 2);
    await state.saveChanges(t3);
    expect(storage.writes).toHaveLength(2);
    expect(Object.values(storage.writes[1]!)[0]).toMatchObject({ count: 2 });

    const t4 = context();
    await state.load(t4);
    await state.clear(t4);
    await state.saveChanges(t4); // cleared: written as empty
    expect(storage.writes).toHaveLength(3);
    expect(await count.get(context())).toBeUndefined();
  });

  it('force writes even an unchanged state', async () => {
    const storage = new CountingStorage();
    const state = new CalfConversationState(storage);
    const t = context();
    await state.load(t);
    await state.saveChanges(t, true);
    expect(storage.writes).toHaveLength(1);
  });
});

describe('RedactionMemo', () => {
  it('redacts exactly as redact() does, and stays within its bound', () => {
    const memo = new RedactionMemo(3);
    const texts = ['Call us on 020 7946 0000', 'Write to jane@example.com', 'Rest, ice and elevation', 'Born 12/03/1980', 'Call us on 020 7946 0000'];
    for (const t of texts) expect(memo.redact(t)).toBe(redact(t));
    expect(memo.size).toBeLessThanOrEqual(3);
  });
});

describe('prompts on a channel with buttons', () => {
  it('a choice is answered by its words (what its button sends), a confirm by yes/no', async () => {
    const { harness } = await import('./dialogsHarness');
    const h = harness({}, { channelId: 'webchat' });
    const prompt = (await h.turn('knee to wall test')).at(-1)!;
    const titles = prompt.suggestedActions?.actions.map((a) => String(a.value)) ?? [];
    expect(titles.length).toBeGreaterThan(1);
    const answered = await h.turn(titles[1]!);
    // the answer moved the dialog on: the same question is not asked again
    expect(answered.map((a) => a.text)).not.toContain(prompt.text);
  });
});

describe('dialog memory configuration built once', () => {
  it('every DialogContext of a turn uses the shared configuration, equal to what botbuilder builds itself', async () => {
    const { DialogSet, DialogStateManager, WaterfallDialog } = await import('botbuilder-dialogs');
    const { ConversationState, MemoryStorage } = await import('botbuilder');
    const { DIALOG_STATE_MANAGER_CONFIGURATION, dialogStateConfiguration } = await import('../src/dialogs/mainDialog');
    const shared = dialogStateConfiguration();
    expect(dialogStateConfiguration()).toBe(shared);

    const accessor = new ConversationState(new MemoryStorage()).createProperty<import('botbuilder-dialogs').DialogState>('DialogState');
    const dialogs = new DialogSet(accessor).add(new WaterfallDialog('w', [async (step) => step.endDialog()]));

    // botbuilder reads the configuration from the turn state under this key
    const withShared = context();
    withShared.turnState.set(DIALOG_STATE_MANAGER_CONFIGURATION, shared);
    const dc = await dialogs.createContext(withShared);
    expect(dc.state.configuration).toBe(shared);
    expect(new DialogStateManager(dc).configuration).toBe(shared);

    // and builds the same scopes and resolvers when it is not there
    const own = (await dialogs.createContext(context())).state.configuration;
    expect(own).not.toBe(shared);
    const names = (c: typeof shared) => ({ scopes: c.memoryScopes.map((s) => `${s.constructor.name}:${s.name}`), resolvers: c.pathResolvers.map((r) => r.constructor.name) });
    expect(names(shared)).toEqual(names(own));
    expect(names(shared).scopes.length).toBeGreaterThan(5);
  });
});

describe('a component dialog\'s inner context built once per outer context', () => {
  it('is reused for the same outer context, instance and stack, and built again otherwise', async () => {
    const { Dialog, DialogSet, WaterfallDialog } = await import('botbuilder-dialogs');
    const { ConversationState, MemoryStorage } = await import('botbuilder');
    const { ReusingComponentDialog } = await import('../src/dialogs/componentBase');
    class Component extends ReusingComponentDialog {
      constructor() {
        super('component');
        this.addDialog(new WaterfallDialog('inner', [async () => Dialog.EndOfTurn, async (step) => step.endDialog('done')]));
      }
    }
    const accessor = new ConversationState(new MemoryStorage()).createProperty<import('botbuilder-dialogs').DialogState>('DialogState');
    const component = new Component();
    const dialogs = new DialogSet(accessor).add(component);
    const c = context();
    const outer = await dialogs.createContext(c);
    await outer.beginDialog('component');
    const first = component.createChildContext(outer);
    // botbuilder's walk to the innermost dialog (`child`) and the component's own turn share it
    expect(outer.child).toBe(first);
    expect(component.createChildContext(outer)).toBe(first);
    expect(first.parent).toBe(outer);
    expect(first.activeDialog?.id).toBe('inner');
    // another outer context of the same turn, or a new instance of the component: a new one
    const again = await dialogs.createContext(c);
    expect(component.createChildContext(again)).not.toBe(first);
    await outer.replaceDialog('component');
    const replaced = component.createChildContext(outer);
    expect(replaced).not.toBe(first);
    expect(replaced.activeDialog?.id).toBe('inner');
  });
});

describe('number prompt recognition with kept models', () => {
  it('finds what botbuilder\'s NumberPrompt finds, for every locale and message', async () => {
    const { NumberPrompt } = await import('botbuilder-dialogs');
    const { TreeNumberPrompt } = await import('../src/dialogs/prompts');
    type Recognise = { onRecognize(c: TurnContext, s: object, o: object): Promise<unknown> };
    const ours = new TreeNumberPrompt('n') as unknown as Recognise;
    const library = new NumberPrompt('n', undefined, 'en-us') as unknown as Recognise;
    const texts = ['12', 'twelve', 'I can do 10 single leg heel raises', 'about 1,500', '1.500', '3.5', 'minus four', 'none', 'zero', 'ten or eleven', '½', 'twenty-one', 'dix', 'douze', '', 'no idea', '2nd', '١٢', '1e3', '0x10', ' 7 '];
    // English (the bot's), a language it has models for, two it has not, and nonsense
    const locales = [undefined, 'en-GB', 'en-us', 'fr-FR', 'de-DE', 'xx-YY', 'q'];
    for (let round = 0; round < 2; round++) { // the second round from the kept models
      for (const locale of locales) {
        for (const text of texts) {
          const c = context();
          c.activity.text = text;
          c.activity.locale = locale;
          const expected = await library.onRecognize(c, {}, {});
          const c2 = context();
          c2.activity.text = text;
          c2.activity.locale = locale;
          expect(await ours.onRecognize(c2, {}, {}), `${text} (${locale})`).toEqual(expected);
        }
      }
    }
  });
});

describe('activityReceived stops at the prompt', () => {
  it('no dialog of the bot handles the event, and the prompts end it without recognising', async () => {
    const { Dialog, DialogContainer, DialogEvents, DialogSet, Prompt } = await import('botbuilder-dialogs');
    const { ConversationState, MemoryStorage } = await import('botbuilder');
    const { MainDialog } = await import('../src/dialogs/mainDialog');
    const { dialogRuntime } = await import('./helpers/turn');
    const { content, config, fakeRecognizer } = await import('./dialogsHarness');
    const state = new ConversationState(new MemoryStorage());
    const main = new MainDialog(dialogRuntime(fakeRecognizer({}), content, state, config));

    // every dialog the main dialog can put on a stack, containers' children included
    const all: InstanceType<typeof Dialog>[] = [];
    const visit = (d: InstanceType<typeof Dialog>): void => {
      all.push(d);
      if (d instanceof DialogContainer) for (const child of d.dialogs.getDialogs()) visit(child);
    };
    visit(main);
    const prompts = all.filter((d) => d instanceof Prompt);
    expect(prompts.length).toBeGreaterThan(10);
    // the event handlers are protected: compared as plain properties
    const handlers = (d: object) => d as unknown as Record<'onPreBubbleEvent' | 'onPostBubbleEvent' | 'onDialogEvent', unknown>;
    const dialog = handlers(Dialog.prototype);
    for (const d of all) {
      // botbuilder's own do-nothing handlers (or the prompts' recognition), never one of ours
      const own = handlers(d);
      expect(own.onPostBubbleEvent, d.id).toBe(dialog.onPostBubbleEvent);
      expect(own.onPreBubbleEvent, d.id).toBe(d instanceof Prompt ? handlers(Prompt.prototype).onPreBubbleEvent : dialog.onPreBubbleEvent);
      if (!(d instanceof Prompt)) expect([dialog.onDialogEvent, handlers(DialogContainer.prototype).onDialogEvent], d.id).toContain(own.onDialogEvent);
    }

    // a prompt neither recognises nor passes the event on; other events still go through botbuilder's handling
    const accessor = state.createProperty<import('botbuilder-dialogs').DialogState>('DialogState');
    const dialogs = new DialogSet(accessor);
    for (const p of prompts) dialogs.add(p);
    const dc = await dialogs.createContext(context());
    for (const p of prompts) {
      // where a prompt recognises the message and decides whether the event bubbles on
      const preBubble = vi.spyOn(p as unknown as { onPreBubbleEvent: () => Promise<boolean> }, 'onPreBubbleEvent').mockResolvedValue(false);
      expect(await p.onDialogEvent(dc, { name: DialogEvents.activityReceived, bubble: true, value: dc.context.activity })).toBe(false);
      expect(preBubble, p.id).not.toHaveBeenCalled();
      await p.onDialogEvent(dc, { name: DialogEvents.versionChanged, bubble: true, value: undefined });
      expect(preBubble, p.id).toHaveBeenCalledOnce();
      preBubble.mockRestore();
    }
  });
});

/** A fault inside a tree names the dialog and the step, in the botbuilder-dialogs style. */
import { ConversationState, MemoryStorage } from 'botbuilder';
import { DialogTestClient } from 'botbuilder-testing';
import { expect, it } from 'vitest';
import { dialogFileSchema, type Content } from '../src/content/schema';
import { dialogRuntime } from './helpers/turn';
import { MainDialog } from '../src/dialogs/mainDialog';
import { config, content, fakeRecognizer } from './dialogsHarness';

it('an error in a step names the dialog, the node and its kind', async () => {
  // Valid for the content check (the variable is saved in the file), wrong at run time (read before it is saved).
  const broken = { ...dialogFileSchema.parse({
    version: 1, id: 'faulty', title: 'faulty tree', intents: [],
    nodes: [
      { id: 'check', kind: 'branch', cases: [{ when: [{ var: 'count', gte: 1 }], next: 'ask' }], default: 'ask' },
      { id: 'ask', kind: 'number', save: 'count', prompt: 'How many?', retry: 'A number, please.', min: 0, max: 9 },
    ],
  }), file: 'faulty.yaml' };
  const faulty: Content = { ...content, dialogs: [...content.dialogs, broken], intentDialog: { ...content.intentDialog, selftest: 'faulty' } };
  const state = new ConversationState(new MemoryStorage());
  const main = new MainDialog(dialogRuntime(fakeRecognizer({ go: 'selftest' }), faulty, state, config));
  const client = new DialogTestClient('test', main, undefined, [], state);
  await expect(client.sendActivity('go')).rejects.toThrow(/TreeDialog faulty step 'check' \(branch\): no answer saved in 'count'/);
});

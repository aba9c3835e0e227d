/**
 * botbuilder's ConversationState with a cheaper change check. BotState hashes the state
 * (a stringify plus SHA-256) when it loads it, again to see whether it changed, and a
 * third time after saving; this compares JSON strings instead, with one stringify per
 * save check. The JSON read from the database is the "unchanged" reference (no stringify
 * on load), and the JSON of a changed state goes down to the database with it
 * (src/storage/itemJson.ts), so a turn serialises its state once.
 *
 * Same turn-state slot and shape as BotState (`{ state, hash }`), so `get`, `clear` and
 * `delete` keep working unchanged; `hash` holds the JSON here.
 */
import { ConversationState, type TurnContext } from 'botbuilder';
import { attachWriteJson, itemJson, takeReadJson } from '../storage/itemJson';

interface Cached {
  state: Record<string, unknown>;
  hash: string;
}

export class CalfConversationState extends ConversationState {
  /** BotState's private turn-state key (a Symbol), shared with its get/clear/delete. */
  private get slot(): symbol {
    return (this as unknown as { stateKey: symbol }).stateKey;
  }

  async load(context: TurnContext, force = false): Promise<Record<string, unknown>> {
    const cached = context.turnState.get(this.slot) as Cached | undefined;
    if (!force && cached?.state) return cached.state;
    const key = await this.storageKey(context);
    const items = await this.storage.read([key]);
    const state = (items[key] ?? {}) as Record<string, unknown>;
    const entry: Cached = { state, hash: takeReadJson(state) ?? itemJson(state) };
    context.turnState.set(this.slot, entry);
    return state;
  }

  async saveChanges(context: TurnContext, force = false): Promise<void> {
    let cached = context.turnState.get(this.slot) as Cached | undefined;
    const json = cached ? itemJson(cached.state) : undefined;
    if (!force && (!cached || json === cached.hash)) return;
    const key = await this.storageKey(context);
    cached ??= { state: {}, hash: '' };
    const now = json ?? itemJson(cached.state);
    cached.state.eTag = '*';
    await this.storage.write({ [key]: attachWriteJson(cached.state, now) });
    cached.hash = now;
    context.turnState.set(this.slot, cached);
  }
}

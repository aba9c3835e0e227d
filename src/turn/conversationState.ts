/**
 * botbuilder's ConversationState with a cheaper change check. BotState hashes the state
 * (a stringify plus SHA-256) when it loads it, again to see whether it changed, and a
 * third time after saving; this compares JSON strings instead, with one stringify per
 * save check. The JSON read from the database is the "unchanged" reference (no stringify
 * on load), and the JSON of a changed state goes down to the database with it
 * (src/storage/itemJson.ts), so a turn serialises its state once.
 *
 * Same turn-state slot and shape as BotState (`{ state, hash }`), so `get` and `clear`
 * keep working unchanged; `hash` holds the JSON here. Inside `runTurnWithRetry` it takes
 * the attempt's eTag scope from the context (turnScope.ts), not from an AsyncLocalStorage.
 */
import { ConversationState, type TurnContext } from 'botbuilder';
import { ABSENT_ETAG, OptimisticStorage } from '../storage/concurrency';
import { attachWriteJson, itemJson, takeReadJson } from '../storage/itemJson';
import { turnScopeOf, type EarlierReadState, type ScopeAwareState } from './turnScope';

interface Cached {
  state: Record<string, unknown>;
  hash: string;
}

export class CalfConversationState extends ConversationState implements ScopeAwareState, EarlierReadState {
  /** Inside runTurnWithRetry its reads and writes are conditional on the eTags read (concurrency.ts). */
  readonly takesTurnScopeFromContext = true;

  /** BotState's private turn-state key (a Symbol), shared with its get/clear/delete. */
  private get slot(): symbol {
    return (this as unknown as { stateKey: symbol }).stateKey;
  }

  async load(context: TurnContext, force = false): Promise<Record<string, unknown>> {
    const cached = context.turnState.get(this.slot) as Cached | undefined;
    if (!force && cached?.state) return cached.state;
    const key = await this.storageKey(context);
    // inside runTurnWithRetry: the attempt's eTag scope, passed explicitly (see concurrency.ts)
    const items = this.storage instanceof OptimisticStorage ? await this.storage.readIn(turnScopeOf(context), [key]) : await this.storage.read([key]);
    const state = (items[key] ?? {}) as Record<string, unknown>;
    const entry: Cached = { state, hash: takeReadJson(state) ?? itemJson(state) };
    context.turnState.set(this.slot, entry);
    return state;
  }

  /**
   * At the start of a turn's first attempt: keeps the state this turn already read, if it
   * was read (not saved: a save leaves the eTag "*") and nothing changed it since, and puts
   * the eTag it was read with into the attempt's scope, as a fresh read would. A write made
   * elsewhere after that read is then an eTag conflict on save, and the retry reads afresh.
   * (The triage step reads the state on every message; this was a second read per turn.)
   */
  async adoptEarlierRead(context: TurnContext): Promise<boolean> {
    const cached = context.turnState.get(this.slot) as Cached | undefined;
    const scope = turnScopeOf(context);
    if (!cached?.state || !scope || !(this.storage instanceof OptimisticStorage)) return false;
    const eTag = cached.state.eTag;
    if (eTag !== undefined && (typeof eTag !== 'string' || eTag === '*')) return false;
    if (itemJson(cached.state) !== cached.hash) return false;
    // no eTag: the item did not exist when it was read (readIn records the same)
    scope.etags.set(await this.storageKey(context), eTag ?? ABSENT_ETAG);
    return true;
  }

  async saveChanges(context: TurnContext, force = false): Promise<void> {
    let cached = context.turnState.get(this.slot) as Cached | undefined;
    const json = cached ? itemJson(cached.state) : undefined;
    if (!force && (!cached || json === cached.hash)) return;
    const key = await this.storageKey(context);
    cached ??= { state: {}, hash: '' };
    const now = json ?? itemJson(cached.state);
    cached.state.eTag = '*';
    const changes = { [key]: attachWriteJson(cached.state, now) };
    if (this.storage instanceof OptimisticStorage) await this.storage.writeIn(turnScopeOf(context), changes);
    else await this.storage.write(changes);
    cached.hash = now;
    context.turnState.set(this.slot, cached);
  }

  async delete(context: TurnContext): Promise<void> {
    context.turnState.delete(this.slot);
    const key = await this.storageKey(context);
    if (this.storage instanceof OptimisticStorage) await this.storage.deleteIn(turnScopeOf(context), [key]);
    else await this.storage.delete([key]);
  }
}

/**
 * Optimistic concurrency for bot state.
 *
 * botbuilder's `BotState.saveChanges` always writes with `eTag: "*"`, i.e. last writer
 * wins: two turns of one conversation handled at once (two instances, or two requests
 * on one instance) would silently lose one turn's changes. `OptimisticStorage` fixes
 * that without touching botbuilder: inside a *turn scope* (see `runInTurnScope`, used by
 * `runTurnWithRetry`) it remembers the eTag of every key it reads, and a later `"*"`
 * (or eTag-less) write of that key becomes a conditional write against the remembered
 * eTag. If someone else wrote in between, the write fails with an eTag conflict and the
 * turn can be retried on fresh state. Outside a turn scope it is a plain pass-through.
 *
 * The scope is found in one of two ways. The bot's own ConversationState
 * (src/turn/conversationState.ts) passes it explicitly (`readIn`/`writeIn`/`deleteIn`,
 * the scope kept on the TurnContext by `runTurnWithRetry`). Any other caller inside
 * `runInTurnScope` gets it from an AsyncLocalStorage. The bot avoids the latter on purpose:
 * while an AsyncLocalStorage is active, Node 20 runs hooks on every promise, which made
 * each await about three times as expensive (botbuilder awaits a lot).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Storage, StoreItems } from 'botbuilder';
import { attachWriteJson, takeWriteJson } from './itemJson';

/** eTag used for "write only if the item still does not exist". Never a real eTag. */
export const ABSENT_ETAG = 'calfbot:absent';

/** A Storage that can tell the eTags it assigned (so a turn can save the same key twice). */
export interface EtagReportingStorage extends Storage {
  writeReportingEtags(changes: StoreItems): Promise<Record<string, string>>;
}

function reportsEtags(storage: Storage): storage is EtagReportingStorage {
  return typeof (storage as Partial<EtagReportingStorage>).writeReportingEtags === 'function';
}

export interface TurnScope {
  etags: Map<string, string>;
}

/** A fresh scope for one attempt of a turn. */
export function newTurnScope(): TurnScope {
  return { etags: new Map() };
}

const scopes = new AsyncLocalStorage<TurnScope>();

/** Runs `fn` in a fresh turn scope: state read inside it is written back conditionally. */
export function runInTurnScope<T>(fn: () => Promise<T>): Promise<T> {
  return scopes.run({ etags: new Map() }, fn);
}

export function inTurnScope(): boolean {
  return scopes.getStore() !== undefined;
}

export class OptimisticStorage implements Storage {
  constructor(readonly inner: Storage) {}

  read(keys: string[]): Promise<StoreItems> {
    return this.readIn(scopes.getStore(), keys);
  }

  write(changes: StoreItems): Promise<void> {
    return this.writeIn(scopes.getStore(), changes);
  }

  delete(keys: string[]): Promise<void> {
    return this.deleteIn(scopes.getStore(), keys);
  }

  async readIn(scope: TurnScope | undefined, keys: string[]): Promise<StoreItems> {
    const items = await this.inner.read(keys);
    if (scope) {
      for (const key of keys) {
        const item = items[key] as { eTag?: unknown } | undefined;
        scope.etags.set(key, item && typeof item.eTag === 'string' ? item.eTag : ABSENT_ETAG);
      }
    }
    return items;
  }

  async writeIn(scope: TurnScope | undefined, changes: StoreItems): Promise<void> {
    if (!scope) return this.inner.write(changes);
    const effective: StoreItems = {};
    for (const [key, item] of Object.entries(changes)) {
      const known = scope.etags.get(key);
      const etag = (item as { eTag?: unknown } | null)?.eTag;
      if (known !== undefined && item && (etag === '*' || etag === undefined)) {
        // the JSON serialised for this write goes on with the copy (see itemJson.ts)
        const json = takeWriteJson(item as object);
        effective[key] = json === undefined ? { ...item, eTag: known } : attachWriteJson({ ...item, eTag: known }, json);
      } else {
        effective[key] = item;
      }
    }
    if (reportsEtags(this.inner)) {
      const etags = await this.inner.writeReportingEtags(effective);
      for (const [key, etag] of Object.entries(etags)) if (scope.etags.has(key)) scope.etags.set(key, etag);
    } else {
      await this.inner.write(effective);
      for (const key of Object.keys(effective)) scope.etags.delete(key);
    }
  }

  async deleteIn(scope: TurnScope | undefined, keys: string[]): Promise<void> {
    await this.inner.delete(keys);
    if (scope) for (const key of keys) if (scope.etags.has(key)) scope.etags.set(key, ABSENT_ETAG);
  }
}

/** Runs `fn` outside any turn scope (plain Storage semantics), e.g. for a background job. */
export function outsideTurnScope<T>(fn: () => Promise<T>): Promise<T> {
  return scopes.exit(fn);
}

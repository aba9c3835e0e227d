/**
 * `memory:` backend for tests: bot state in botbuilder's MemoryStorage (which already
 * implements eTags), transcripts and the conversation index in an in-memory SQLite
 * database, so the query API behaves exactly like the SQLite backend.
 */
import { MemoryStorage, type StoreItems } from 'botbuilder';
import type { EtagReportingStorage } from './concurrency';

/** MemoryStorage that also reports the eTags it assigned. */
export class EtagMemoryStorage extends MemoryStorage implements EtagReportingStorage {
  private readonly mem: Record<string, string>;

  constructor(memory: Record<string, string> = {}) {
    super(memory);
    this.mem = memory;
  }

  writeReportingEtags(changes: StoreItems): Promise<Record<string, string>> {
    // MemoryStorage writes synchronously inside its promise executor, so the new
    // eTags can be read back before anything else runs.
    const done = super.write(changes);
    const etags: Record<string, string> = {};
    for (const key of Object.keys(changes)) {
      const raw = this.mem[key];
      if (raw) etags[key] = (JSON.parse(raw) as { eTag: string }).eTag;
    }
    return done.then(() => etags);
  }
}

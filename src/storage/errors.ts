/** Errors the storage layer throws on purpose. */

/** Start-up failure (bad DATABASE_URL, server unreachable, migration failed). The message is one line and never contains a password. */
export class StorageStartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageStartupError';
  }
}

/** A write carried an eTag that no longer matches the stored item (someone else wrote first). */
export class EtagConflictError extends Error {
  readonly key: string;
  constructor(key: string) {
    // Same wording as botbuilder's MemoryStorage, so one check covers every backend.
    super(`Storage: error writing "${key}" due to eTag conflict.`);
    this.name = 'EtagConflictError';
    this.key = key;
  }
}

/** True for an eTag conflict from any backend (ours or botbuilder's MemoryStorage). */
export function isEtagConflict(err: unknown): boolean {
  if (err instanceof EtagConflictError) return true;
  return err instanceof Error && /etag conflict/i.test(err.message);
}

/** Removes the password from any URL-looking text (postgres://user:secret@host → postgres://user:***@host). */
export function redactSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@/\s]*@/gi, '$1***@')
    .replace(/(password=)[^&\s]*/gi, '$1***');
}

/**
 * A state item's JSON, computed once per turn instead of once per layer.
 *
 * A turn's state passes through several layers (ConversationState's change check,
 * OptimisticStorage, DurableStorage with its outage cache, the backend), each of which
 * used to serialise it again. The JSON travels beside the object instead, in two one-way
 * channels:
 *
 *  - write: whoever serialised an item right before handing it down attaches the JSON
 *    (`attachWriteJson`); the next layer takes it (`takeWriteJson`, once) and attaches it
 *    to the copy it hands further down. A layer that finds nothing serialises itself.
 *  - read: the backend attaches the stored JSON to the fresh item it returns
 *    (`attachReadJson`); ConversationState takes it as the state's "unchanged" reference.
 *
 * Both are only ever attached to an object that nobody has changed since it was
 * serialised, and taken before anyone can; a stale JSON would write old state.
 */

const toWrite = new WeakMap<object, string>();
const fromRead = new WeakMap<object, string>();

/** JSON of an item without its eTag. */
export function itemJson(item: object): string {
  const { eTag, ...rest } = item as { eTag?: unknown };
  void eTag;
  return JSON.stringify(rest);
}

export function attachWriteJson<T extends object>(item: T, json: string): T {
  toWrite.set(item, json);
  return item;
}

/** The JSON attached for writing (removed), or undefined. */
export function takeWriteJson(item: object): string | undefined {
  const json = toWrite.get(item);
  if (json !== undefined) toWrite.delete(item);
  return json;
}

/** The JSON to write for `item`: the attached one, or serialised now. */
export function writeJsonOf(item: object): string {
  return takeWriteJson(item) ?? itemJson(item);
}

export function attachReadJson<T extends object>(item: T, json: string): T {
  fromRead.set(item, json);
  return item;
}

/** The JSON an item was read as (still attached, not removed: several readers may look). */
export function peekReadJson(item: object): string | undefined {
  return fromRead.get(item);
}

/** The JSON an item was read as (removed), or undefined. */
export function takeReadJson(item: object): string | undefined {
  const json = fromRead.get(item);
  if (json !== undefined) fromRead.delete(item);
  return json;
}

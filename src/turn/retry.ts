/**
 * Retrying a turn after an eTag conflict, so concurrent turns of one conversation
 * (on one instance or several) never lose state and the user never sees an error.
 *
 * `runTurnWithRetry(context, fn, { states })`:
 *  1. runs `fn` (the turn's logic *including* `state.saveChanges(context)`) inside a turn
 *     scope: the `states` are re-read, and `db.storage` (an `OptimisticStorage`) turns
 *     botbuilder's unconditional `"*"` saves into writes conditional on the eTag read
 *     (on the first attempt a state read earlier in the turn and not changed since is
 *     kept, with its eTag: a change made meanwhile elsewhere is a conflict, as above);
 *  2. holds back every activity `fn` sends until the attempt has saved successfully;
 *  3. on an eTag conflict, drops the held-back replies, re-reads the state and runs `fn`
 *     again (up to `attempts` times); otherwise sends the held-back replies in order.
 *
 * `fn` must not have side effects outside the bot state that cannot be repeated (e.g.
 * an escalation webhook): do those after `runTurnWithRetry` returns, or make them idempotent.
 */
import type { BotState, ResourceResponse, TurnContext } from 'botbuilder';
import { newTurnScope, runInTurnScope } from '../storage/concurrency';
import { isScopeAware, reusesEarlierRead, setTurnScope } from './turnScope';
import { isEtagConflict } from '../storage/errors';

export interface TurnRetryOptions {
  /** Total attempts (default 5). */
  attempts?: number;
  /** States `fn` uses (e.g. conversationState, userState): re-read at the start of every attempt. */
  states?: BotState[];
  /** Called before a retry (e.g. to reset per-turn values the previous attempt set). */
  onRetry?: (attempt: number, error: Error) => void | Promise<void>;
  /** Upper bound of the random pause before a retry, in ms (default 25, times the attempt number). */
  backoffMs?: number;
}

interface AttemptInfo {
  current: number;
  discarded: Set<number>;
}

const ATTEMPT_KEY = Symbol('calfbot.turnAttempt');
/**
 * Runs one attempt in a fresh eTag scope. The bot's states (CalfConversationState) take
 * the scope from the context; other states only see one through an AsyncLocalStorage,
 * which costs every promise of the process while it is active, so it is used only then.
 */
async function inScope(context: TurnContext, states: BotState[], fn: () => Promise<void>): Promise<void> {
  if (!states.every(isScopeAware)) return runInTurnScope(fn);
  setTurnScope(context, newTurnScope());
  try {
    await fn();
  } finally {
    setTurnScope(context, undefined);
  }
}

function attemptInfo(context: TurnContext): AttemptInfo {
  let info = context.turnState.get(ATTEMPT_KEY) as AttemptInfo | undefined;
  if (!info) {
    info = { current: 0, discarded: new Set() };
    context.turnState.set(ATTEMPT_KEY, info);
  }
  return info;
}

/** The attempt currently running in this turn (0 outside `runTurnWithRetry`). */
export function currentAttempt(context: TurnContext): number {
  return (context.turnState.get(ATTEMPT_KEY) as AttemptInfo | undefined)?.current ?? 0;
}

/** True if activities "sent" during that attempt were dropped (the attempt was retried). */
export function isAttemptDiscarded(context: TurnContext, attempt: number): boolean {
  return (context.turnState.get(ATTEMPT_KEY) as AttemptInfo | undefined)?.discarded.has(attempt) ?? false;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runTurnWithRetry(context: TurnContext, fn: (attempt: number) => Promise<void>, options: TurnRetryOptions = {}): Promise<void> {
  const attempts = Math.max(1, Math.floor(options.attempts ?? 5));
  const states = options.states ?? [];
  const info = attemptInfo(context);
  let held: (() => Promise<ResourceResponse[]>)[] | null = null;

  // A held send answers at once with placeholders; when it is released, each placeholder gets the
  // id the channel gave its activity, so middleware that kept the response (the transcript) logs it.
  context.onSendActivities(async (_ctx, activities, next) => {
    if (!held) return next();
    const placeholders: ResourceResponse[] = activities.map(() => ({ id: '' }));
    held.push(async () => {
      const responses = await next();
      responses?.forEach((r, i) => {
        const placeholder = placeholders[i];
        if (placeholder && r?.id) placeholder.id = r.id;
      });
      return responses;
    });
    return placeholders;
  });

  const release = async (sends: (() => Promise<ResourceResponse[]>)[]): Promise<void> => {
    for (const send of sends) await send();
  };

  for (let attempt = 1; ; attempt++) {
    info.current = attempt;
    const sends: (() => Promise<ResourceResponse[]>)[] = [];
    held = sends;
    try {
      await inScope(context, states, async () => {
        for (const state of states) {
          // the first attempt may keep what the turn read before it (see reusesEarlierRead)
          if (attempt > 1 || !reusesEarlierRead(state) || !(await state.adoptEarlierRead(context))) await state.load(context, true);
        }
        await fn(attempt);
      });
      held = null;
      await release(sends);
      return;
    } catch (err) {
      held = null;
      if (isEtagConflict(err)) {
        info.discarded.add(attempt);
        if (attempt >= attempts) throw err;
        await options.onRetry?.(attempt, err as Error);
        await sleep(Math.random() * (options.backoffMs ?? 25) * attempt);
        continue;
      }
      // Not a conflict: behave as without the helper (what was said is sent), then fail the turn.
      await release(sends).catch(() => undefined);
      throw err;
    }
  }
}

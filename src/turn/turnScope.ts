/**
 * The eTag scope of the turn attempt running now (src/storage/concurrency.ts), kept on
 * the TurnContext by `runTurnWithRetry` for states that take it from there
 * (CalfConversationState) instead of from an AsyncLocalStorage.
 */
import type { BotState, TurnContext } from 'botbuilder';
import type { TurnScope } from '../storage/concurrency';

const SCOPE_KEY = Symbol('calfbot.turnScope');

export function turnScopeOf(context: TurnContext): TurnScope | undefined {
  return context.turnState.get(SCOPE_KEY) as TurnScope | undefined;
}

export function setTurnScope(context: TurnContext, scope: TurnScope | undefined): void {
  if (scope) context.turnState.set(SCOPE_KEY, scope);
  else context.turnState.delete(SCOPE_KEY);
}

/** A state that reads its scope with `turnScopeOf` (no AsyncLocalStorage needed for it). */
export interface ScopeAwareState {
  readonly takesTurnScopeFromContext: true;
}

export function isScopeAware(state: BotState): boolean {
  return (state as Partial<ScopeAwareState>).takesTurnScopeFromContext === true;
}

/**
 * A state that can start an attempt with what the turn already read (the triage step reads
 * the conversation's state before the dialogs' turn): `adoptEarlierRead` puts that read's
 * eTag in the attempt's scope and returns true, or returns false when there is nothing to
 * keep (then the state is read afresh).
 */
export interface EarlierReadState {
  adoptEarlierRead(context: TurnContext): Promise<boolean>;
}

export function reusesEarlierRead(state: BotState): state is BotState & EarlierReadState {
  return typeof (state as Partial<EarlierReadState>).adoptEarlierRead === 'function';
}

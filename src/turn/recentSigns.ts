/**
 * The signs of the last few messages before any escalation, so that a red flag told in
 * pieces adds up: "my right calf feels achy and tight", then "since the op on tuesday"
 * (src/turn/3-triage.ts). Concept ids only, never text, kept in conversation state with
 * the time they were told; signs older than a day, or beyond the last two messages, are
 * dropped. Once an escalation is open, the escalation memory keeps its signs instead.
 */
import type { ConversationState, StatePropertyAccessor, TurnContext } from 'botbuilder';
import { z } from 'zod';

const toldSigns = z.object({
  /** Concept ids the message named and did not deny (src/triage: TriageResult.signs). */
  signs: z.array(z.string()),
  /** Concept ids it named only denied ("no swelling"); absent in entries kept before round 25. */
  denied: z.array(z.string()).default([]),
  /** ISO time the message was triaged. */
  at: z.string().datetime(),
});
export type ToldSigns = z.infer<typeof toldSigns>;

/** What the last messages told, together: the signs, and what they denied that no message named as a sign. */
export interface Told {
  signs: string[];
  denied: string[];
}

/** How many earlier messages count with the new one. */
export const RECENT_MESSAGES = 2;
/** Signs told longer ago than this no longer count. */
export const RECENT_FOR_MS = 24 * 60 * 60 * 1000;

export class RecentSigns {
  private readonly property: StatePropertyAccessor<ToldSigns[] | undefined>;

  constructor(conversationState: ConversationState, private readonly now: () => number = Date.now) {
    this.property = conversationState.createProperty<ToldSigns[] | undefined>('recentSigns');
  }

  /** The signs still counting, oldest message first, and the denials. */
  async get(context: TurnContext): Promise<Told> {
    const told = this.fresh(await this.property.get(context));
    const signs = told.flatMap((t) => t.signs);
    return { signs, denied: [...new Set(told.flatMap((t) => t.denied))].filter((c) => !signs.includes(c)) };
  }

  /** Adds this message's signs and denials (a message with none still takes a place: it moves the window on). */
  async note(context: TurnContext, signs: readonly string[], denied: readonly string[] = []): Promise<void> {
    const kept = this.fresh(await this.property.get(context)).slice(-(RECENT_MESSAGES - 1));
    // Nothing told now or before: leave the state as it is (no write for it). A denial alone is
    // kept only beside a sign: it matters only to a rule that a sign fires.
    if (signs.length === 0 && kept.every((t) => t.signs.length === 0)) return this.forget(context);
    await this.property.set(context, [...kept, { signs: [...signs], denied: [...denied], at: new Date(this.now()).toISOString() }]);
  }

  /** An escalation takes over, or a clinician's all-clear ends what was told. */
  async forget(context: TurnContext): Promise<void> {
    if ((await this.property.get(context)) !== undefined) await this.property.delete(context);
  }

  /** What still counts; an entry of another shape (an older version, a hand edit) counts as nothing. */
  private fresh(told: unknown): ToldSigns[] {
    if (!Array.isArray(told)) return [];
    const since = this.now() - RECENT_FOR_MS;
    return told.flatMap((t) => {
      const parsed = toldSigns.safeParse(t);
      return parsed.success && Date.parse(parsed.data.at) >= since ? [parsed.data] : [];
    });
  }
}

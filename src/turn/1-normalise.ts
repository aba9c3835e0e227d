/**
 * First step of every turn, whatever the channel: HTTP, Direct Line, Teams, the
 * terminal chat and the tests all come through here, so triage and the dialogs see
 * the same text.
 *  - the text gets the one clean-up (src/domain/text.ts): invisible characters gone,
 *    control characters as spaces, NFC;
 *  - a Teams @mention of the bot is removed (it is not part of the question);
 *  - a card button pressed in Web Chat or Teams arrives as `value` with no text: its
 *    value becomes the text.
 */
import { ActivityTypes, TurnContext, type Middleware } from 'botbuilder';
import { z } from 'zod';
import { cleanText } from '../domain/text';

const submitValue = z.union([
  z.object({ msteams: z.object({ value: z.string() }) }).transform((v) => v.msteams.value),
  z.object({ text: z.string() }).transform((v) => v.text),
  z.string(),
]);

/** Every string in a card's submitted value (a form's fields), a few levels deep, iteratively. */
function valueStrings(value: unknown): string[] {
  const out: string[] = [];
  const queue: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (queue.length > 0 && out.length < 50) {
    const { v, depth } = queue.shift() ?? { v: undefined, depth: 0 };
    if (typeof v === 'string') {
      if (v.trim()) out.push(v);
    } else if (v !== null && typeof v === 'object' && depth < 4) {
      for (const x of Object.values(v as Record<string, unknown>).slice(0, 50)) queue.push({ v: x, depth: depth + 1 });
    }
  }
  return out;
}

/** The text of a message as every later step should read it. */
export function normaliseIncoming(activity: TurnContext['activity']): string {
  let text = typeof activity.text === 'string' ? activity.text : '';
  if (text && activity.entities?.some((e) => e.type === 'mention')) {
    text = TurnContext.removeRecipientMention(activity) ?? text;
  }
  if (!text.trim() && activity.value !== undefined) {
    const parsed = submitValue.safeParse(activity.value);
    text = parsed.success ? parsed.data : valueStrings(activity.value).join('\n');
  }
  return cleanText(text).trim();
}

export class NormaliseMiddleware implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const activity = context.activity;
    if (activity.type === ActivityTypes.Message) {
      const text = normaliseIncoming(activity);
      if (text || typeof activity.text === 'string') activity.text = text;
    }
    await next();
  }
}

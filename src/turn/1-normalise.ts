/**
 * Makes every incoming message look the same to triage and the dialogs: a card button
 * pressed in Web Chat arrives as `value` with no text, so its value becomes the text.
 */
import type { Middleware, TurnContext } from 'botbuilder';
import { z } from 'zod';

const submitValue = z.union([
  z.object({ msteams: z.object({ value: z.string() }) }).transform((v) => v.msteams.value),
  z.object({ text: z.string() }).transform((v) => v.text),
  z.string(),
]);

export class NormalizeIncomingMiddleware implements Middleware {
  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const activity = context.activity;
    if (activity.type === 'message' && !activity.text?.trim() && activity.value !== undefined) {
      const parsed = submitValue.safeParse(activity.value);
      if (parsed.success) activity.text = parsed.data;
    }
    await next();
  }
}

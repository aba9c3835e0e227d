/**
 * Patient feedback on an answer ("Was this helpful? 👍 👎" under a reply in Web Chat):
 * an event activity `{ type: 'event', name: 'feedback', value: { rating, replyToId } }`.
 * The transcript stores it like any activity; the staff console reads it from there
 * (a 👎 puts the question in the "needs teaching" inbox). The bot does not answer it.
 */
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { Logger } from '../logger';

export const FEEDBACK_EVENT = 'feedback';

export const feedbackValue = z.strictObject({
  rating: z.enum(['up', 'down'], { message: 'rating must be "up" or "down"' }),
  replyToId: z.string({ message: 'replyToId must be the id of the bot message rated' }).min(1, 'replyToId must not be empty').max(200, 'replyToId is too long'),
}, { message: 'value must be an object { rating, replyToId }' });

export type FeedbackValue = z.infer<typeof feedbackValue>;

/** The rating of a feedback event, or null (with the reason logged) when it is not one. */
export function handleFeedbackEvent(context: TurnContext, logger: Logger): FeedbackValue | null {
  const { activity } = context;
  if (activity.type !== 'event' || activity.name !== FEEDBACK_EVENT) return null;
  const parsed = feedbackValue.safeParse(activity.value);
  if (!parsed.success) {
    logger.warn({ conversationId: activity.conversation?.id, problem: parsed.error.issues[0]?.message }, 'feedback event ignored');
    return null;
  }
  logger.info({ conversationId: activity.conversation?.id, rating: parsed.data.rating }, 'answer feedback');
  return parsed.data;
}

/**
 * The conversations the load generator replays: what a clinic widget sends in a burst.
 * Each script starts like Web Chat does (conversationUpdate with the user joining),
 * then a few messages. Every replay uses a new conversation id (and user id), so
 * state, transcripts and rate limits see distinct patients.
 */

export interface Turn {
  /** A message; absent for the conversationUpdate that opens a conversation. */
  text?: string;
}

export interface Script {
  name: string;
  turns: Turn[];
}

const JOIN: Turn = {};

export const SCRIPTS: Script[] = [
  { name: 'menu', turns: [JOIN, { text: 'hi' }, { text: 'menu' }, { text: 'what can you help with' }, { text: 'thanks, bye' }] },
  { name: 'self-test', turns: [JOIN, { text: 'is there a test i can do at home' }, { text: 'calf raise test' }, { text: 'i can only do 10 single leg heel raises' }, { text: 'how long will it take to recover' }] },
  { name: 'cause', turns: [JOIN, { text: 'what causes calf pain' }, { text: 'my calf hurts when walking and goes away with rest' }, { text: 'what stretches can i do' }, { text: 'can i book an appointment' }] },
  { name: 'red-flag', turns: [JOIN, { text: 'my calf is swollen, red and warm' }, { text: 'and now i am short of breath with chest pain' }, { text: 'ok' }] },
  { name: 'mixed', turns: [JOIN, { text: 'hello' }, { text: 'there is a knot in my calf' }, { text: 'should i use a foam roller' }, { text: 'cramps in my calf at night' }, { text: 'cheers' }] },
];

export const MAX_TURNS = Math.max(...SCRIPTS.map((s) => s.turns.length));

let seq = 0;

/** One Bot Framework activity as a channel posts it, asking for the replies in the HTTP response. */
export function activityFor(turn: Turn, conversationId: string, userId: string): Record<string, unknown> {
  seq++;
  const common = {
    deliveryMode: 'expectReplies',
    channelId: 'webchat',
    serviceUrl: 'http://127.0.0.1:9',
    conversation: { id: conversationId },
    from: { id: userId, name: 'Patient', role: 'user' },
    recipient: { id: 'calfbot', name: 'calfbot', role: 'bot' },
    id: `a${seq}`,
    timestamp: new Date().toISOString(),
    locale: 'en-GB',
  };
  if (turn.text === undefined) {
    return { ...common, type: 'conversationUpdate', membersAdded: [{ id: userId, name: 'Patient' }] };
  }
  return { ...common, type: 'message', text: turn.text, textFormat: 'plain' };
}

/** True when a response body is an expectReplies answer (`{ activities: [...] }`). */
export function hasReplies(body: string, requireAtLeastOne: boolean): boolean {
  try {
    const parsed = JSON.parse(body) as { activities?: unknown };
    return Array.isArray(parsed.activities) && (!requireAtLeastOne || parsed.activities.length > 0);
  } catch {
    return false;
  }
}

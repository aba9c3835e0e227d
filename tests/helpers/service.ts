/** Start the real service in-process on an ephemeral port, with memory storage by default. */
import { testConfig } from '../../src/config';
import { silentLogger } from '../../src/logger';
import { startService, type Service, type ServiceOptions } from '../../src/service';
import { realTriage } from './turn';

/**
 * The real triage (rules, wording and trained detector) is shared by every service a test
 * worker starts: it holds no state, and training its detector is the slowest part of a start.
 */
export async function startTestService(env: Record<string, string> = {}, options: ServiceOptions = {}): Promise<Service> {
  return startService(testConfig({ PORT: '0', HOST: '127.0.0.1', ...env }), silentLogger, { ...options, overrides: { triage: realTriage(), ...options.overrides } });
}

let seq = 0;

/** A Bot Framework message activity as a channel would post it. */
export function messageActivity(text: string, conversationId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  seq++;
  return {
    type: 'message',
    text,
    deliveryMode: 'expectReplies',
    channelId: 'test',
    serviceUrl: 'http://localhost',
    conversation: { id: conversationId },
    from: { id: 'user-1', name: 'Patient' },
    recipient: { id: 'bot', name: 'calfbot' },
    id: `m${seq}`,
    ...extra,
  };
}

export interface ReplyActivity {
  type: string;
  text?: string;
  channelData?: { intent: string | null; urgency: 'none' | 'urgent' | 'emergency'; sources?: { document: string; section: string }[] };
  attachments?: { contentType: string; content: unknown }[];
  suggestedActions?: { actions: { title: string; value: unknown }[] };
}

/** POST an activity to /api/messages with expectReplies; returns the status and the replies. */
export async function postActivity(baseUrl: string, activity: unknown): Promise<{ status: number; replies: ReplyActivity[]; body: unknown }> {
  const res = await fetch(`${baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  const raw = await res.text();
  const body: unknown = raw ? JSON.parse(raw) : null;
  const replies = (body as { activities?: ReplyActivity[] } | null)?.activities ?? [];
  return { status: res.status, replies, body };
}

import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { createLogger } from '../src/logger';
import { safeId } from '../src/storage/redact';

function capture(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
  return { lines, sink };
}

it('logs ids that hold personal details redacted, in the form the transcript store keeps', () => {
  const { lines, sink } = capture();
  const logger = createLogger('info', sink);
  const conv = 'conv|jane.doe@example.com';
  logger.warn({ conversationId: conv, urgency: 'urgent' }, 'red flag: escalating');
  logger.child({ conversationId: 'tel:+447700900123' }).info({ activityId: `${conv}|0000001`, userId: 'jane.doe@example.com' }, 'turn');
  logger.info({ conversationId: 'Kq3xY8bZ1mN7pL2vR5tW0s' }, 'clean id');
  const all = lines.join('');
  expect(all).not.toContain('jane.doe');
  expect(all).not.toContain('7700900123');
  const [first, second, third] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(first!.conversationId).toBe(safeId(conv));
  expect(first!.urgency).toBe('urgent');
  expect(second!.conversationId).toMatch(/^tel:\[phone\]\[~[a-p]{12}\]$/);
  expect(second!.userId).toMatch(/^\[email\]\[~[a-p]{12}\]$/);
  // Ordinary ids are logged as they are, so they still match the staff console.
  expect(third!.conversationId).toBe('Kq3xY8bZ1mN7pL2vR5tW0s');
});

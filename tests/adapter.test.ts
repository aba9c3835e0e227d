/**
 * The adapter reuses its Bot Framework connector clients across turns (CloudAdapter
 * builds a new one for every turn, a measurable share of a turn's CPU).
 */
import { ClaimsIdentity, type ConnectorClient, type ConnectorFactory } from 'botframework-connector';
import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../src/config';
import { silentLogger } from '../src/logger';
import { createAdapter, type AuthenticatedRequest } from '../src/adapter';

function countingFactory(): ConnectorFactory & { created: string[] } {
  const created: string[] = [];
  return {
    created,
    create(serviceUrl: string) {
      created.push(serviceUrl);
      return Promise.resolve({ conversations: {} } as unknown as ConnectorClient);
    },
  };
}

const activity = (serviceUrl: string): Activity => ({
  type: 'message', text: 'hi', id: '1', channelId: 'test', serviceUrl,
  from: { id: 'u' }, recipient: { id: 'b' }, conversation: { id: 'c' },
} as Activity);

describe('CalfAdapter', () => {
  it('builds one connector client per service URL and reuses it on later turns', async () => {
    const adapter = createAdapter(testConfig(), silentLogger);
    const factory = countingFactory();
    const auth = (): AuthenticatedRequest => ({ audience: 'https://api.botframework.com', claimsIdentity: new ClaimsIdentity([], true), callerId: undefined, connectorFactory: factory } as unknown as AuthenticatedRequest);
    let turns = 0;
    for (let i = 0; i < 3; i++) await adapter.runAuthenticated(auth(), activity('https://a.example/'), async () => void turns++);
    await adapter.runAuthenticated(auth(), activity('https://b.example/'), async () => void turns++);
    expect(turns).toBe(4);
    expect(factory.created).toEqual(['https://a.example/', 'https://b.example/']);
  });

  it('builds the user token client once and gives every turn the same one', async () => {
    const adapter = createAdapter(testConfig(), silentLogger);
    const auth = (): AuthenticatedRequest => ({ audience: 'https://api.botframework.com', claimsIdentity: new ClaimsIdentity([], true), callerId: undefined, connectorFactory: countingFactory() } as unknown as AuthenticatedRequest);
    const seen = new Set<unknown>();
    for (let i = 0; i < 3; i++) {
      await adapter.runAuthenticated(auth(), activity('https://a.example/'), async (context) => void seen.add(context.turnState.get(adapter.UserTokenClientKey)));
    }
    expect(seen.size).toBe(1);
    expect([...seen][0]).toBeTruthy();
  });
});

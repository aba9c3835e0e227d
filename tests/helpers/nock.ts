/**
 * nock for one test file. Test files share a worker (isolate: false), and nock, once on,
 * intercepts every request of the process, so a file that mocks HTTP switches it on for
 * itself and off again afterwards: other files talk to their servers unintercepted.
 *
 *   import nock from 'nock';
 *   import { useNock } from './helpers/nock';
 *   useNock();
 */
import nock from 'nock';
import { afterAll, beforeAll } from 'vitest';

export function useNock(): void {
  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
  });
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
    nock.restore();
  });
}

/**
 * The whole seconds a client waits before trying again (the Retry-After header and the
 * "wait about N seconds" replies): rounded up, and never 0, which would invite an instant retry.
 */
export function retryAfterSeconds(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}

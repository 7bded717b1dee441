/**
 * Polling with a deadline, the one way tests wait for a condition (sleeps are not synchronisation).
 */

/**
 * Polls `check` every `intervalMs` until it returns a value other than `undefined`/`false` and
 * resolves with that value; fails after `timeoutMs` naming `what` was awaited. Unit tests pass a
 * short interval to stay fast.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

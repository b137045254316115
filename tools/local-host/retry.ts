import type { RpcRetryContext, RpcRetryOptions } from './rpc';
import { sleep } from './sleep';

/** Delay before retry number `retryCount` (1-based), following the function's `retry` option. */
export function retryDelayMs(options: RpcRetryOptions, retryCount: number): number {
  const seconds = (d: { seconds?: number | null } | null | undefined): number => (d?.seconds ?? 0) * 1000;
  if (options.retryStrategy === 'exponentialBackoff') {
    const min = seconds(options.minimumInterval);
    const max = seconds(options.maximumInterval);
    return Math.min(max, min * 2 ** (retryCount - 1));
  }
  return seconds(options.delayInterval);
}

/**
 * Function-level retry (`retry` in the registration), which Azure applies to timer triggers:
 * the attempt is repeated with a `retryContext` until it succeeds, the count is exhausted
 * (`-1` = forever) or the host stops. Resolves on success, rejects with the last error.
 */
export async function runWithRetry(
  options: RpcRetryOptions | undefined,
  signal: AbortSignal,
  attempt: (retryContext: RpcRetryContext | undefined) => Promise<unknown>,
): Promise<void> {
  const maxRetryCount = options?.maxRetryCount ?? 0;
  let retryContext: RpcRetryContext | undefined;
  for (let retryCount = 0; ; retryCount++) {
    try {
      await attempt(retryContext);
      return;
    } catch (error) {
      const exhausted = !options || (maxRetryCount >= 0 && retryCount >= maxRetryCount);
      if (exhausted || signal.aborted) throw error;
      await sleep(retryDelayMs(options, retryCount + 1), signal);
      if (signal.aborted) throw error;
      retryContext = {
        retryCount: retryCount + 1,
        maxRetryCount,
        exception: { message: error instanceof Error ? error.message : String(error) },
      };
    }
  }
}

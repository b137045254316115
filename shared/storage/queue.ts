import { MAX_DEFERRALS } from '../domain/messages';
import { ensureError } from '../errors';
import { getStorage } from './clients';
import { isStorageUnavailable } from './errors';
import { storageMetrics } from './metrics';

/**
 * Puts a JSON message on a queue, base64-encoded as the Functions queue trigger expects
 * by default (host.json `messageEncoding`). `delaySeconds` keeps it invisible that long.
 */
export async function enqueue(queueName: string, payload: unknown, delaySeconds = 0): Promise<void> {
  const text = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64');
  storageMetrics.queueRequests += 1;
  await getStorage()
    .queue(queueName)
    .sendMessage(text, delaySeconds > 0 ? { visibilityTimeout: delaySeconds } : {});
}

/**
 * host.json `extensions.queues.maxDequeueCount`: the host poisons a message that fails on
 * this delivery, so a worker must not fail on it (it records the failure instead).
 */
export const MAX_DELIVERIES = 5;

/**
 * How long a message put back for the `n`th time waits: 1, 2, 4, 8 minutes, then 15 minutes
 * each time, so `MAX_DEFERRALS` (shared/domain/messages.ts) put-backs outlast about a day of
 * failing storage.
 */
export function deferralDelaySeconds(n: number): number {
  return Math.min(60 * 2 ** (n - 1), 15 * 60);
}

/**
 * For a worker whose storage keeps failing on a message's last delivery, where the host
 * would poison it: puts the message back on its queue with one more `deferrals`, for
 * {@link deferralDelaySeconds} of that count. Undefined when it may not go back (put back
 * `MAX_DEFERRALS` times already) or the queue refused it too: the worker then throws, and
 * the host poisons the message.
 */
export async function putBack(
  queueName: string,
  message: { deferrals?: number | undefined },
): Promise<{ deferrals: number; delaySeconds: number } | undefined> {
  const deferrals = (message.deferrals ?? 0) + 1;
  if (deferrals > MAX_DEFERRALS) return undefined;
  const delaySeconds = deferralDelaySeconds(deferrals);
  return enqueue(queueName, { ...message, deferrals }, delaySeconds).then(
    () => ({ deferrals, delaySeconds }),
    () => undefined,
  );
}

/** What a worker answers for a message it put back ({@link putBackIfStorageFails}). */
export interface PutBack {
  outcome: 'deferred';
  deferrals: number;
  delaySeconds: number;
  cause: string;
}

/**
 * Runs a queue worker's `work` on `message` (told whether this is its last delivery); when
 * storage is still failing on the last delivery, puts the message back ({@link putBack})
 * instead of throwing it into the poison queue (R-X6).
 */
export async function putBackIfStorageFails<R>(
  queueName: string,
  message: { deferrals?: number | undefined },
  dequeueCount: number,
  work: (finalDelivery: boolean) => Promise<R>,
): Promise<R | PutBack> {
  const finalDelivery = dequeueCount >= MAX_DELIVERIES;
  try {
    return await work(finalDelivery);
  } catch (error) {
    const put = finalDelivery && isStorageUnavailable(error) ? await putBack(queueName, message) : undefined;
    if (put === undefined) throw error;
    return { outcome: 'deferred', ...put, cause: ensureError(error).message };
  }
}

/** A queue message holds 64 KiB of base64 text: 48 KiB of JSON. */
const MAX_JSON_BYTES = 48 * 1024;
/** What a poison message keeps of a message too large to be wrapped whole. */
const PREVIEW_CHARS = 8 * 1024;

const poisonQueues = new Map<string, Promise<unknown>>();

/** The Functions host creates `<queue>-poison` only when it poisons a message itself. */
function ensurePoisonQueue(name: string): Promise<unknown> {
  let ready = poisonQueues.get(name);
  if (!ready) {
    ready = getStorage()
      .queue(name)
      .createIfNotExists()
      .catch((error: unknown) => {
        poisonQueues.delete(name);
        throw error;
      });
    poisonQueues.set(name, ready);
  }
  return ready;
}

/** Moves a message that can never succeed to `<queue>-poison` with its reason (R-X2). */
export async function poison(queueName: string, message: unknown, reason: string): Promise<void> {
  const name = `${queueName}-poison`;
  await ensurePoisonQueue(name);
  const text = JSON.stringify(message) ?? String(message);
  // A message that just fit its queue no longer fits once wrapped with the reason.
  const fits = Buffer.byteLength(text, 'utf8') + Buffer.byteLength(reason, 'utf8') + 64 <= MAX_JSON_BYTES;
  await enqueue(
    name,
    fits ? { reason, message } : { reason, truncated: true, messagePreview: text.slice(0, PREVIEW_CHARS) },
  );
}

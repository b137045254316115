import { getStorage } from './clients';
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

/** Moves a message that can never succeed to `<queue>-poison` with its reason (R-X2). */
export async function poison(queueName: string, message: unknown, reason: string): Promise<void> {
  await enqueue(`${queueName}-poison`, { reason, message });
}

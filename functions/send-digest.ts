import { app, type InvocationContext } from '@azure/functions';
import { logOutcome } from '../shared/http/log';
import { handleDigestMessage } from '../shared/engine/digest-worker';
import { queues, STORAGE_CONNECTION } from '../shared/storage/clients';

/** Builds and sends one tenant's weekly digest (R-D2…R-D4). Throwing (SendGrid 429/5xx) makes the host retry. */
export async function sendDigest(message: unknown, context: InvocationContext): Promise<void> {
  logOutcome(
    context,
    message,
    await handleDigestMessage(message, Number(context.triggerMetadata?.dequeueCount ?? 1)),
  );
}

app.storageQueue('send-digest', {
  queueName: queues.digest,
  connection: STORAGE_CONNECTION,
  handler: sendDigest,
});

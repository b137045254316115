import { app, type InvocationContext } from '@azure/functions';
import { logOutcome } from '../shared/http/log';
import { handleRescoreMessage } from '../shared/engine/rescore-worker';
import { queues, STORAGE_CONNECTION } from '../shared/storage/clients';

/**
 * Applies accepted feedback and new detections to one user. Throwing makes the host retry,
 * then poison (R-X2), unless storage kept failing: then the worker puts the users back (R-X6).
 */
export async function rescore(message: unknown, context: InvocationContext): Promise<void> {
  const outcome = await handleRescoreMessage(message, Number(context.triggerMetadata?.dequeueCount ?? 1));
  logOutcome(context, message, outcome);
}

app.storageQueue('rescore', { queueName: queues.rescore, connection: STORAGE_CONNECTION, handler: rescore });

import { app, type InvocationContext } from '@azure/functions';
import { logOutcome } from '../shared/http/log';
import { handleAlertMessage } from '../shared/engine/alert-worker';
import { queues, STORAGE_CONNECTION } from '../shared/storage/clients';

/** Sends a tenant's alert window when it closes (R-E5). Throwing (SendGrid 429/5xx) makes the host retry (R-X5). */
export async function sendAlerts(message: unknown, context: InvocationContext): Promise<void> {
  logOutcome(
    context,
    message,
    await handleAlertMessage(message, Number(context.triggerMetadata?.dequeueCount ?? 1)),
  );
}

app.storageQueue('send-alerts', {
  queueName: queues.alerts,
  connection: STORAGE_CONNECTION,
  handler: sendAlerts,
});

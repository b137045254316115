import { AlertWindowMessage } from '../domain/messages';
import { describeZodError } from '../http/body';
import { queues } from '../storage/clients';
import { sendAlertWindow, type AlertWindowOutcome } from './alerts';
import { poison } from '../storage/queue';

/** Handles one alerts-queue message; a malformed one goes straight to poison (R-X2). */
export async function handleAlertMessage(
  message: unknown,
): Promise<AlertWindowOutcome | { outcome: 'poisoned'; reason: string }> {
  const parsed = AlertWindowMessage.safeParse(message);
  if (!parsed.success) {
    const reason = describeZodError(parsed.error, 'message');
    await poison(queues.alerts, message, reason);
    return { outcome: 'poisoned', reason };
  }
  return sendAlertWindow(parsed.data);
}

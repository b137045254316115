import { AlertWindowMessage } from '../domain/messages';
import { describeZodError } from '../http/body';
import { queues } from '../storage/clients';
import { sendAlertWindow, type AlertWindowOutcome } from './alerts';
import { MAX_DELIVERIES, poison } from '../storage/queue';

/**
 * Handles one alerts-queue message; a malformed one goes straight to poison (R-X2). On the
 * last delivery a SendGrid failure is recorded instead of thrown (R-X5), so the email does
 * not stay `sending` with its window open once the host gives the message up.
 */
export async function handleAlertMessage(
  message: unknown,
  dequeueCount = 1,
): Promise<AlertWindowOutcome | { outcome: 'poisoned'; reason: string }> {
  const parsed = AlertWindowMessage.safeParse(message);
  if (!parsed.success) {
    const reason = describeZodError(parsed.error, 'message');
    await poison(queues.alerts, message, reason);
    return { outcome: 'poisoned', reason };
  }
  return sendAlertWindow(parsed.data, new Date(), { finalDelivery: dequeueCount >= MAX_DELIVERIES });
}

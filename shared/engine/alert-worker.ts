import { AlertWindowMessage } from '../domain/messages';
import { describeZodError } from '../http/body';
import { queues } from '../storage/clients';
import { poison, putBackIfStorageFails, type PutBack } from '../storage/queue';
import { sendAlertWindow, type AlertWindowOutcome } from './alerts';

/**
 * Handles one alerts-queue message; a malformed one goes straight to poison (R-X2). On the
 * last delivery a SendGrid failure is recorded instead of thrown (R-X5), so the email does
 * not stay `sending` with its window open once the host gives the message up; and when
 * storage is still failing then, the message is put back for later (`putBack`, up to
 * `MAX_DEFERRALS` times) rather than poisoned, which would leave the users waiting in
 * the window unalerted until someone else in the tenant qualified (R-X6). The put-back
 * names the same window: it finishes it, or finds it replaced (`stale`) by a window opened
 * for those users meanwhile; never a second email for anyone (R-E5).
 */
export async function handleAlertMessage(
  message: unknown,
  dequeueCount = 1,
): Promise<AlertWindowOutcome | { outcome: 'poisoned'; reason: string } | PutBack> {
  const parsed = AlertWindowMessage.safeParse(message);
  if (!parsed.success) {
    const reason = describeZodError(parsed.error, 'message');
    await poison(queues.alerts, message, reason);
    return { outcome: 'poisoned', reason };
  }
  return putBackIfStorageFails(queues.alerts, parsed.data, dequeueCount, (finalDelivery) =>
    sendAlertWindow(parsed.data, new Date(), { finalDelivery }),
  );
}

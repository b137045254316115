import { DigestMessage } from '../domain/messages';
import { describeZodError } from '../http/body';
import { queues } from '../storage/clients';
import { poison, putBackIfStorageFails, type PutBack } from '../storage/queue';
import { sendTenantDigest, type DigestOutcome } from './digest';

/**
 * Handles one digest-queue message; a malformed one goes straight to poison (R-X2). On the
 * last delivery a SendGrid failure is recorded instead of thrown (R-X5), so the week does
 * not end with no log entry once the host gives the message up; and when storage is still
 * failing then, the message is put back for later (`putBack`, up to `MAX_DEFERRALS`
 * times) rather than poisoned, which would leave the week unsent (R-X6). The put-back is
 * the same run: it resumes its own claim of the week, and never sends twice (R-D4).
 */
export async function handleDigestMessage(
  message: unknown,
  dequeueCount = 1,
): Promise<DigestOutcome | { outcome: 'poisoned'; reason: string } | PutBack> {
  const parsed = DigestMessage.safeParse(message);
  if (!parsed.success) {
    const reason = describeZodError(parsed.error, 'message');
    await poison(queues.digest, message, reason);
    return { outcome: 'poisoned', reason };
  }
  return putBackIfStorageFails(queues.digest, parsed.data, dequeueCount, (finalDelivery) =>
    sendTenantDigest(parsed.data, new Date(), { finalDelivery }),
  );
}

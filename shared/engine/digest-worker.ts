import { DigestMessage } from '../domain/messages';
import { describeZodError } from '../http/body';
import { queues } from '../storage/clients';
import { MAX_DELIVERIES, poison } from '../storage/queue';
import { sendTenantDigest, type DigestOutcome } from './digest';

/**
 * Handles one digest-queue message; a malformed one goes straight to poison (R-X2). On the
 * last delivery a SendGrid failure is recorded instead of thrown (R-X5), so the week does
 * not end with no log entry once the host gives the message up.
 */
export async function handleDigestMessage(
  message: unknown,
  dequeueCount = 1,
): Promise<DigestOutcome | { outcome: 'poisoned'; reason: string }> {
  const parsed = DigestMessage.safeParse(message);
  if (!parsed.success) {
    const reason = describeZodError(parsed.error, 'message');
    await poison(queues.digest, message, reason);
    return { outcome: 'poisoned', reason };
  }
  return sendTenantDigest(parsed.data, new Date(), { finalDelivery: dequeueCount >= MAX_DELIVERIES });
}

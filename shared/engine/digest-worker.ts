import { DigestMessage } from '../domain/messages';
import { describeZodError } from '../http/body';
import { queues } from '../storage/clients';
import { poison } from '../storage/queue';
import { sendTenantDigest, type DigestOutcome } from './digest';

/** Handles one digest-queue message; a malformed one goes straight to poison (R-X2). */
export async function handleDigestMessage(
  message: unknown,
): Promise<DigestOutcome | { outcome: 'poisoned'; reason: string }> {
  const parsed = DigestMessage.safeParse(message);
  if (!parsed.success) {
    const reason = describeZodError(parsed.error, 'message');
    await poison(queues.digest, message, reason);
    return { outcome: 'poisoned', reason };
  }
  return sendTenantDigest(parsed.data);
}

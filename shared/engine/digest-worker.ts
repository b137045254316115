import { DigestMessage, MAX_DEFERRALS } from '../domain/messages';
import { ensureError } from '../errors';
import { describeZodError } from '../http/body';
import { queues } from '../storage/clients';
import { isStorageUnavailable } from '../storage/errors';
import { MAX_DELIVERIES, poison, putBack } from '../storage/queue';
import { sendTenantDigest, type DigestOutcome } from './digest';

/**
 * Handles one digest-queue message; a malformed one goes straight to poison (R-X2). On the
 * last delivery a SendGrid failure is recorded instead of thrown (R-X5), so the week does
 * not end with no log entry once the host gives the message up; and when storage is still
 * failing then, the message is put back for later (`putBack`, up to {@link MAX_DEFERRALS}
 * times) rather than poisoned, which would leave the week unsent (R-X6). The put-back is
 * the same run: it resumes its own claim of the week, and never sends twice (R-D4).
 */
export async function handleDigestMessage(
  message: unknown,
  dequeueCount = 1,
): Promise<
  | DigestOutcome
  | { outcome: 'poisoned'; reason: string }
  | { outcome: 'deferred'; deferrals: number; delaySeconds: number; cause: string }
> {
  const parsed = DigestMessage.safeParse(message);
  if (!parsed.success) {
    const reason = describeZodError(parsed.error, 'message');
    await poison(queues.digest, message, reason);
    return { outcome: 'poisoned', reason };
  }
  const finalDelivery = dequeueCount >= MAX_DELIVERIES;
  try {
    return await sendTenantDigest(parsed.data, new Date(), { finalDelivery });
  } catch (error) {
    const deferrals = (parsed.data.deferrals ?? 0) + 1;
    if (!finalDelivery || !isStorageUnavailable(error) || deferrals > MAX_DEFERRALS) throw error;
    const delaySeconds = await putBack(queues.digest, { ...parsed.data, deferrals });
    if (delaySeconds === undefined) throw error;
    return { outcome: 'deferred', deferrals, delaySeconds, cause: ensureError(error).message };
  }
}

import { z } from 'zod';
import {
  MAX_DEFERRALS,
  RescoreQueueMessage,
  type RescoreMessage,
  type RescoreUsersMessage,
} from '../domain/messages';
import { describeZodError } from '../http/body';
import { ensureError } from '../errors';
import { queues } from '../storage/clients';
import { isStorageUnavailable } from '../storage/errors';
import { MAX_DELIVERIES, poison, putBack } from '../storage/queue';
import { alertRescoreHook } from './alerts';
import { RescoreContended, rescoreUser } from './rescore-user';

export type WorkerOutcome =
  | {
      outcome: 'rescored';
      tenantId: string;
      userId: string;
      attempts: number;
      wrote: boolean;
      riskLevel: string;
      riskState: string;
    }
  | { outcome: 'rescoredUsers'; tenantId: string; users: number; wrote: number; maxAttempts: number }
  | { outcome: 'poisoned'; reason: string }
  | { outcome: 'deferred'; users: number; deferrals: number; delaySeconds: number; cause: string };

/** Failures a later delivery can get past: storage not answering, or a user too busy to lock. */
const isTransient = (error: unknown): boolean =>
  isStorageUnavailable(error) || error instanceof RescoreContended;

/** One line for the log: a stored row that does not parse is named by its field, not dumped. */
function causeOf(error: unknown): string {
  return error instanceof z.ZodError ? describeZodError(error, 'stored row') : ensureError(error).message;
}

/**
 * Handles one rescore message: one user (feedback) or several (ingestion). A malformed
 * message is moved to the poison queue at once with its reason (R-X2): retrying it could
 * never succeed. Storage errors throw, so the host retries with its back-off. On the last
 * delivery (`dequeueCount` = host.json `maxDequeueCount`) the host would poison the message,
 * and the detections and actions it names would wait for the user's next event (R-X6): when
 * every failure is transient, the users that failed are put back on the queue instead, to
 * be tried again minutes later (`putBack`), up to {@link MAX_DEFERRALS} times. Other failures (a stored row that does not parse)
 * still end in the poison queue, where an operator sees them.
 *
 * The users of one message are rescored one after another, so host.json's `batchSize` alone
 * bounds the rescores an instance runs at once; when some fail, the others are still done,
 * and the retry finds nothing left to do for them.
 */
export async function handleRescoreMessage(message: unknown, dequeueCount = 1): Promise<WorkerOutcome> {
  const parsed = RescoreQueueMessage.safeParse(message);
  if (!parsed.success) {
    const reason = describeZodError(parsed.error, 'message');
    await poison(queues.rescore, message, reason);
    return { outcome: 'poisoned', reason };
  }
  const data = parsed.data;
  const users =
    data.type === 'rescore' ? [{ userId: data.userId, detectionIds: data.detectionIds }] : data.users;
  let wrote = 0;
  let maxAttempts = 0;
  let last: Extract<WorkerOutcome, { outcome: 'rescored' }> | undefined;
  const failed: Array<{ user: RescoreUsersMessage['users'][number]; error: unknown }> = [];
  for (const user of users) {
    const single: RescoreMessage = { type: 'rescore', tenantId: data.tenantId, ...user };
    try {
      const result = await rescoreUser(single, alertRescoreHook);
      if (result.wrote) wrote += 1;
      maxAttempts = Math.max(maxAttempts, result.attempts);
      last = {
        outcome: 'rescored',
        tenantId: data.tenantId,
        userId: user.userId,
        attempts: result.attempts,
        wrote: result.wrote,
        riskLevel: result.plan.user.riskLevel,
        riskState: result.plan.user.riskState,
      };
    } catch (error) {
      failed.push({ user, error });
    }
  }
  if (failed.length === 0) {
    if (data.type === 'rescore') return last!;
    return { outcome: 'rescoredUsers', tenantId: data.tenantId, users: users.length, wrote, maxAttempts };
  }
  const cause = causeOf(failed[0]!.error);
  const deferrals = (data.deferrals ?? 0) + 1;
  if (
    dequeueCount >= MAX_DELIVERIES &&
    deferrals <= MAX_DEFERRALS &&
    failed.every((f) => isTransient(f.error))
  ) {
    const again: RescoreUsersMessage & { deferrals: number } = {
      type: 'rescoreUsers',
      tenantId: data.tenantId,
      users: failed.map((f) => f.user),
      deferrals,
    };
    // When this put fails too, the message throws below and the host poisons it.
    const delaySeconds = await putBack(queues.rescore, again);
    if (delaySeconds !== undefined)
      return { outcome: 'deferred', users: failed.length, deferrals, delaySeconds, cause };
  }
  if (data.type === 'rescore') throw failed[0]!.error;
  // The host logs the message only (not `errors`): it carries the first cause, so an
  // operator sees why a message ended in the poison queue.
  throw new AggregateError(
    failed.map((f) => f.error),
    `${failed.length} of ${users.length} users of the message could not be rescored (first: ${cause}); the queue will retry`,
  );
}

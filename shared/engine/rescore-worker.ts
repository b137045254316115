import { z } from 'zod';
import { RescoreQueueMessage, type RescoreMessage, type RescoreUsersMessage } from '../domain/messages';
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
  | {
      outcome: 'deferred';
      users: number;
      /** Users of the message that could never succeed, moved to the poison queue by themselves. */
      poisoned?: number;
      deferrals: number;
      delaySeconds: number;
      cause: string;
    };

/** Failures a later delivery can get past: storage not answering, or a user too busy to lock. */
const isTransient = (error: unknown): boolean =>
  isStorageUnavailable(error) || error instanceof RescoreContended;

type ParsedRescoreMessage = RescoreMessage | RescoreUsersMessage;
type RescoreUser = RescoreUsersMessage['users'][number];

/**
 * On a message's last delivery, what to put back of the users that failed: those whose
 * failure is transient ({@link isTransient}) — a single user's message as it came (it may
 * name more detection ids than a `rescoreUsers` message holds). The others (`broken`: a
 * stored row that does not parse) are for the poison queue. Undefined when none failed
 * transiently.
 */
export function splitForPutBack(
  data: ParsedRescoreMessage,
  failed: ReadonlyArray<{ user: RescoreUser; error: unknown }>,
):
  | {
      again: ParsedRescoreMessage;
      transient: number;
      transientError: unknown;
      broken?: { message: RescoreUsersMessage; error: unknown };
    }
  | undefined {
  const transient = failed.filter((f) => isTransient(f.error));
  const broken = failed.filter((f) => !isTransient(f.error));
  if (transient.length === 0) return undefined;
  return {
    again: data.type === 'rescore' ? data : { ...data, users: transient.map((f) => f.user) },
    transient: transient.length,
    transientError: transient[0]!.error,
    ...(data.type === 'rescoreUsers' && broken.length > 0
      ? {
          broken: {
            message: { type: 'rescoreUsers', tenantId: data.tenantId, users: broken.map((f) => f.user) },
            error: broken[0]!.error,
          },
        }
      : {}),
  };
}

/** One line for the log: a stored row that does not parse is named by its field, not dumped. */
function causeOf(error: unknown): string {
  return error instanceof z.ZodError ? describeZodError(error, 'stored row') : ensureError(error).message;
}

/**
 * Handles one rescore message: one user (feedback) or several (ingestion). A malformed
 * message is moved to the poison queue at once with its reason (R-X2): retrying it could
 * never succeed. Storage errors throw, so the host retries with its back-off. On the last
 * delivery (`dequeueCount` = host.json `maxDequeueCount`) the host would poison the message,
 * and the detections and actions it names would wait for the user's next event (R-X6): the
 * users whose failure is transient (storage not answering, a user too contended to lock) are
 * put back on the queue instead, to be tried again minutes later (`putBack`), up to
 * `MAX_DEFERRALS` times. Users that failed otherwise (a stored row that does not parse)
 * end in the poison queue, where an operator sees them.
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
  const failed: Array<{ user: RescoreUser; error: unknown }> = [];
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
  const split = dequeueCount >= MAX_DELIVERIES ? splitForPutBack(data, failed) : undefined;
  // When it may not go back, or the queue refuses it too, the message throws below and the
  // host poisons it.
  const put = split && (await putBack(queues.rescore, split.again));
  if (split && put) {
    // Users that can never succeed go to the poison queue now, by themselves, with their
    // reason; the others are not held back by them.
    if (split.broken)
      await poison(
        queues.rescore,
        split.broken.message,
        `${split.broken.message.users.length} of ${users.length} users of the message could not be rescored (first: ${causeOf(split.broken.error)})`,
      );
    return {
      outcome: 'deferred',
      users: split.transient,
      ...(split.broken ? { poisoned: split.broken.message.users.length } : {}),
      ...put,
      cause: causeOf(split.transientError),
    };
  }
  if (data.type === 'rescore') throw failed[0]!.error;
  // The host logs the message only (not `errors`): it carries the first cause, so an
  // operator sees why a message ended in the poison queue.
  throw new AggregateError(
    failed.map((f) => f.error),
    `${failed.length} of ${users.length} users of the message could not be rescored (first: ${cause}); the queue will retry`,
  );
}

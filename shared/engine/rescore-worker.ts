import { z } from 'zod';
import { RescoreQueueMessage, type RescoreMessage } from '../domain/messages';
import { describeZodError } from '../http/body';
import { ensureError } from '../errors';
import { queues } from '../storage/clients';
import { poison } from '../storage/queue';
import { alertRescoreHook } from './alerts';
import { rescoreUser } from './rescore-user';

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
  | { outcome: 'poisoned'; reason: string };

/** One line for the log: a stored row that does not parse is named by its field, not dumped. */
function causeOf(error: unknown): string {
  return error instanceof z.ZodError ? describeZodError(error, 'stored row') : ensureError(error).message;
}

/**
 * Handles one rescore message: one user (feedback) or several (ingestion). A malformed
 * message is moved to the poison queue at once with its reason (R-X2): retrying it could
 * never succeed. Storage errors throw, so the host retries with its back-off and poisons
 * after `maxDequeueCount`. The users of one message are rescored one after another, so
 * host.json's `batchSize` alone bounds the rescores an instance runs at once; when some
 * fail, the others are still done, and the retry finds nothing left to do for them.
 */
export async function handleRescoreMessage(message: unknown): Promise<WorkerOutcome> {
  const parsed = RescoreQueueMessage.safeParse(message);
  if (!parsed.success) {
    const reason = describeZodError(parsed.error, 'message');
    await poison(queues.rescore, message, reason);
    return { outcome: 'poisoned', reason };
  }
  const data = parsed.data;
  if (data.type === 'rescore') {
    const result = await rescoreUser(data, alertRescoreHook);
    return {
      outcome: 'rescored',
      tenantId: data.tenantId,
      userId: data.userId,
      attempts: result.attempts,
      wrote: result.wrote,
      riskLevel: result.plan.user.riskLevel,
      riskState: result.plan.user.riskState,
    };
  }
  let wrote = 0;
  let maxAttempts = 0;
  const failures: unknown[] = [];
  for (const user of data.users) {
    const single: RescoreMessage = { type: 'rescore', tenantId: data.tenantId, ...user };
    try {
      const result = await rescoreUser(single, alertRescoreHook);
      if (result.wrote) wrote += 1;
      maxAttempts = Math.max(maxAttempts, result.attempts);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) {
    // The host logs the message only (not `errors`): it carries the first cause, so an
    // operator sees why a message ended in the poison queue.
    throw new AggregateError(
      failures,
      `${failures.length} of ${data.users.length} users of the message could not be rescored (first: ${causeOf(failures[0])}); the queue will retry`,
    );
  }
  return { outcome: 'rescoredUsers', tenantId: data.tenantId, users: data.users.length, wrote, maxAttempts };
}

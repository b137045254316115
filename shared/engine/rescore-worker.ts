import { RescoreMessage } from '../domain/messages';
import { describeZodError } from '../http/body';
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
  | { outcome: 'poisoned'; reason: string };

/**
 * Handles one rescore message. A malformed message is moved to the poison queue at once
 * with its reason (R-X2): retrying it could never succeed. Storage errors throw, so the
 * host retries with its back-off and poisons after `maxDequeueCount`.
 */
export async function handleRescoreMessage(message: unknown): Promise<WorkerOutcome> {
  const parsed = RescoreMessage.safeParse(message);
  if (!parsed.success) {
    const reason = describeZodError(parsed.error, 'message');
    await poison(queues.rescore, message, reason);
    return { outcome: 'poisoned', reason };
  }
  const result = await rescoreUser(parsed.data, alertRescoreHook);
  return {
    outcome: 'rescored',
    tenantId: parsed.data.tenantId,
    userId: parsed.data.userId,
    attempts: result.attempts,
    wrote: result.wrote,
    riskLevel: result.plan.user.riskLevel,
    riskState: result.plan.user.riskState,
  };
}

import type { TransactionAction } from '@azure/data-tables';
import type { RescoreMessage } from '../domain/messages';
import { planRescore, type RescorePlan } from '../domain/rescore';
import { isConflict, isPreconditionFailed } from '../storage/errors';
import { commitRescore, readUserSnapshot, type UserSnapshot } from '../storage/user-store';

/** What a rescore adds on top of the risk fields: the alert engine hooks in here (SPEC §5). */
export interface RescoreHook {
  (input: {
    tenantId: string;
    snapshot: UserSnapshot;
    plan: RescorePlan;
    message: RescoreMessage;
    now: string;
  }): Promise<{
    userFields: Record<string, unknown>;
    rows: TransactionAction[];
    /** Runs after the rescore's transaction committed, or when there was nothing to write. */
    afterCommit?: () => Promise<void>;
  }>;
}

export interface RescoreOutcome {
  plan: RescorePlan;
  attempts: number;
  wrote: boolean;
}

const MAX_ATTEMPTS = 8;

/**
 * Rescores one user: read its facts, plan, write with the user row's ETag as the lock.
 * A conflict means someone changed the user meanwhile: re-read and re-plan. Throws after
 * repeated conflicts so the queue retries later.
 */
export async function rescoreUser(
  message: RescoreMessage,
  hook?: RescoreHook,
  clock: () => Date = () => new Date(),
): Promise<RescoreOutcome> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const now = clock().toISOString();
    const snapshot = await readUserSnapshot(message.tenantId, message.userId);
    const plan = planRescore({ ...snapshot, now });
    const extra = hook
      ? await hook({ tenantId: message.tenantId, snapshot, plan, message, now })
      : { userFields: {}, rows: [] };
    if (isNoOp(snapshot, plan) && extra.rows.length === 0 && Object.keys(extra.userFields).length === 0) {
      await extra.afterCommit?.();
      return { plan, attempts: attempt, wrote: false };
    }
    try {
      await commitRescore(message.tenantId, snapshot, plan, now, extra.userFields, extra.rows);
      await extra.afterCommit?.();
      return { plan, attempts: attempt, wrote: true };
    } catch (error) {
      if (!isPreconditionFailed(error) && !isConflict(error)) throw error;
    }
  }
  throw new RescoreContended();
}

/** A rescore that lost the user's lock {@link MAX_ATTEMPTS} times in a row: busy, not broken. */
export class RescoreContended extends Error {
  constructor() {
    super(
      `rescore of a user gave up after ${MAX_ATTEMPTS} concurrent-update conflicts; the queue will retry`,
    );
    this.name = 'RescoreContended';
  }
}

function isNoOp(snapshot: UserSnapshot, plan: RescorePlan): boolean {
  if (!snapshot.user) return snapshot.facts.detections.length === 0 && snapshot.facts.actions.length === 0;
  return (
    !plan.user.changed &&
    snapshot.user.isProcessing !== true &&
    snapshot.user.riskDetail === plan.user.riskDetail &&
    plan.detections.length === 0 &&
    plan.signIns.length === 0 &&
    plan.appliedActionIds.length === 0 &&
    plan.history.length === 0
  );
}

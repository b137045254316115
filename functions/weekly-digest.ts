import { app, type InvocationContext, type Timer } from '@azure/functions';
import { fanOutWeeklyDigest } from '../shared/engine/digest';

/**
 * R-D1: weekly (WEEKLY_DIGEST_SCHEDULE, default Monday 09:00 UTC). Fans out one message
 * per tenant. A late run (isPastDue) covers the week it missed; the per-week claim keeps
 * it to one digest (R-D4).
 */
export async function weeklyDigest(timer: Timer, context: InvocationContext): Promise<void> {
  if (timer.isPastDue) context.warn('weekly-digest is running late (isPastDue); sending the week it missed');
  const result = await fanOutWeeklyDigest();
  context.log(
    `weekly-digest ${result.period.weekId}: ${result.queued} of ${result.tenants} tenants queued (run ${result.runId})`,
  );
}

app.timer('weekly-digest', {
  schedule: '%WEEKLY_DIGEST_SCHEDULE%',
  // Azure does not run a failed timer occurrence again by itself (isPastDue covers only a
  // missed one), and a fan-out that fails half-way would leave the other tenants without
  // their week. A retry names the same week; the per-week claims keep it to one digest.
  retry: {
    strategy: 'exponentialBackoff',
    maxRetryCount: 5,
    minimumInterval: { seconds: 10 },
    maximumInterval: { seconds: 300 },
  },
  handler: weeklyDigest,
});

import { randomUUID } from 'node:crypto';
import { getConfig } from '../config';
import { buildDigestContent, digestPeriod, type DigestPeriod } from '../domain/digest';
import type { DigestMessage } from '../domain/messages';
import { resolveRecipients, usableAddress } from '../domain/recipients';
import { isLicensed } from '../domain/tenant';
import { renderWeeklyDigestEmail } from '../email/digest-email';
import { sendEmail } from '../email/sender';
import { queues } from '../storage/clients';
import { readDigestClaim, readDigestWeek, writeDigestClaim, type DigestClaim } from '../storage/digest-store';
import { readPeople, readRoleHolders } from '../storage/directory-store';
import {
  getNotification,
  INTERRUPTED_REASON,
  notificationKey,
  putNotification,
  type Notification,
} from '../storage/notification-store';
import { enqueue } from '../storage/queue';
import { getSettings } from '../storage/settings-store';
import { getTenant, listTenants } from '../storage/tenant-store';

/**
 * The weekly digest (SPEC §6). The timer only fans out: one queue message per licensed
 * tenant with the digest on, so many tenants never share one invocation that could time
 * out. Each tenant's message claims the (tenant, week) slot with an ETag-checked write
 * before sending, so the week goes out once however often the timer fires (R-D4).
 */

/** A claim left `claimed` this long by a run that never came back may be taken over. */
const STALE_CLAIM_MS = 30 * 60_000;

export interface FanOut {
  period: DigestPeriod;
  runId: string;
  tenants: number;
  queued: number;
}

export async function fanOutWeeklyDigest(now = new Date()): Promise<FanOut> {
  const period = digestPeriod(getConfig().WEEKLY_DIGEST_SCHEDULE, now);
  const runId = randomUUID();
  const tenants = await listTenants();
  let queued = 0;
  for (const tenant of tenants) {
    if (!isLicensed(tenant.license)) continue;
    if (!(await getSettings(tenant.id, 'weeklyDigest', true)).enabled) continue;
    const message: DigestMessage = { type: 'weeklyDigest', tenantId: tenant.id, runId, period };
    await enqueue(queues.digest, message);
    queued += 1;
  }
  return { period, runId, tenants: tenants.length, queued };
}

export type DigestOutcome =
  | { outcome: 'alreadySent' | 'claimedByAnotherRun' | 'skipped' | 'interrupted' }
  | {
      outcome: 'sent' | 'written' | 'failed' | 'noRecipients';
      users: number;
      signIns: number;
      recipients: number;
    };

/** Claims the week for this run, or resumes this run's own claim; undefined when it is not ours. */
async function claim(
  message: DigestMessage,
  now: Date,
): Promise<DigestClaim | 'done' | 'interrupted' | undefined> {
  const { tenantId, period, runId } = message;
  const fresh = { state: 'claimed' as const, runId, claimedAt: now.toISOString() };
  const current = await readDigestClaim(tenantId, period.weekId);
  if (!current) return writeDigestClaim(tenantId, period.weekId, undefined, fresh);
  if (current.state === 'done') return 'done';
  if (current.runId === runId) return current.state === 'sending' ? 'interrupted' : current;
  const abandoned =
    current.state === 'claimed' && now.getTime() - Date.parse(current.claimedAt) > STALE_CLAIM_MS;
  return abandoned ? writeDigestClaim(tenantId, period.weekId, current, fresh) : undefined;
}

async function recipientsFor(tenantId: string, now: Date): Promise<string[]> {
  const settings = await getSettings(tenantId, 'weeklyDigest', true);
  let addresses: string[];
  if (settings.recipientIds === null) {
    // R-D3: by default the R-E6 list (with the alert's switched-off people left out).
    const alert = await getSettings(tenantId, 'usersAtRiskAlert', true);
    const holders = await readRoleHolders(tenantId);
    addresses = resolveRecipients({
      ...holders,
      disabledRecipientIds: alert.disabledRecipientIds,
      customRecipients: [],
      at: now,
    }).recipients.map((r) => r.address);
  } else {
    const people = await readPeople(tenantId, settings.recipientIds);
    addresses = settings.recipientIds.flatMap((id) => {
      const person = people.get(id);
      const address = person && usableAddress(person);
      return address ? [address] : [];
    });
  }
  const seen = new Set<string>();
  return [...addresses, ...settings.customRecipients].filter((a) =>
    seen.has(a.toLowerCase()) ? false : (seen.add(a.toLowerCase()), true),
  );
}

/**
 * Builds and sends one tenant's digest for one week, at most once (R-D1…R-D4). On the
 * queue's last delivery (`finalDelivery`) a SendGrid failure is recorded, not thrown.
 */
export async function sendTenantDigest(
  message: DigestMessage,
  now = new Date(),
  options: { finalDelivery?: boolean } = {},
): Promise<DigestOutcome> {
  const { tenantId, period } = message;
  // A message for a tenant that was never onboarded changes nothing, not even a claim (R-X2).
  // Read fresh (once, for the licence check below too): a "not onboarded" cached moments
  // before the tenant was onboarded must not cost its week.
  const tenant = await getTenant(tenantId, true);
  if (!tenant) return { outcome: 'skipped' };
  const claimed = await claim(message, now);
  if (claimed === 'done') return { outcome: 'alreadySent' };
  if (!claimed) return { outcome: 'claimedByAnotherRun' };
  const key = notificationKey(period.end, `digest-${period.weekId}`);
  const record = (
    n: Pick<Notification, 'recipients' | 'users' | 'outcome'> & { reason?: string },
  ): Promise<void> =>
    putNotification(tenantId, key, {
      id: `digest-${tenantId}-${period.weekId}`,
      type: 'weeklyDigest',
      dateTime: now.toISOString(),
      period: { start: period.start, end: period.end },
      ...n,
    });

  if (claimed === 'interrupted') {
    // Stopped after recording (before the claim was closed): the log already says what happened.
    const recorded = await getNotification(tenantId, key);
    if (recorded) {
      await finish(message, await readDigestClaim(tenantId, period.weekId), recorded.outcome);
      return { outcome: 'alreadySent' };
    }
    // A crash between sending and recording: the email may have gone out. Never send twice (R-D4).
    await record({ recipients: [], users: [], outcome: 'failed', reason: INTERRUPTED_REASON });
    await finish(message, await readDigestClaim(tenantId, period.weekId), 'interrupted');
    return { outcome: 'interrupted' };
  }

  const settings = await getSettings(tenantId, 'weeklyDigest', true);
  if (!isLicensed(tenant.license) || !settings.enabled) {
    await finish(message, claimed, 'skipped');
    return { outcome: 'skipped' };
  }
  const week = await readDigestWeek(tenantId, period);
  const content = buildDigestContent({ period, ...week });
  // The log names every user the digest covers; the email lists the first of them.
  const users = content.newRiskyUsers.all.map((u) => ({
    id: u.userId,
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    riskLevel: u.riskLevel,
  }));
  const recipients = await recipientsFor(tenantId, now);
  const counts = {
    users: content.newRiskyUsers.count,
    signIns: content.newRiskySignIns.count,
    recipients: recipients.length,
  };
  if (recipients.length === 0) {
    await record({ recipients: [], users, outcome: 'noRecipients', reason: 'no recipient with an address' });
    await finish(message, claimed, 'noRecipients');
    return { outcome: 'noRecipients', ...counts };
  }

  // The slot moves to `sending` before the email goes out: a crash from here on is never retried into a second email.
  const sending = await writeDigestClaim(tenantId, period.weekId, claimed, { ...claimed, state: 'sending' });
  if (!sending) return { outcome: 'claimedByAnotherRun' };
  const email = renderWeeklyDigestEmail({
    tenantDisplayName: tenant.displayName,
    weekStart: period.start,
    weekEnd: period.end,
    newRiskyUsers: { count: content.newRiskyUsers.count, first: content.newRiskyUsers.first },
    newRiskySignIns: { count: content.newRiskySignIns.count, first: content.newRiskySignIns.first },
    reportBaseUrl: getConfig().REPORT_BASE_URL,
  });
  const sent = await sendEmail({
    ...email,
    recipients,
    category: 'weeklyDigest',
    idempotencyKey: `${tenantId}:${period.weekId}`,
  });
  if (sent.outcome === 'failed' && sent.retryable && !options.finalDelivery) {
    // Nothing went out (SendGrid refused every attempt): hand the slot back so the queue retry may send (R-X5).
    await writeDigestClaim(tenantId, period.weekId, sending, { ...sending, state: 'claimed' });
    throw new Error(`weekly digest not accepted yet (${sent.reason}); the queue will retry`);
  }
  await record({
    recipients,
    users,
    outcome: sent.outcome,
    ...(sent.outcome === 'failed'
      ? { reason: sent.retryable ? `${sent.reason}; not retried further (last queue delivery)` : sent.reason }
      : {}),
  });
  await finish(message, sending, sent.outcome);
  return { outcome: sent.outcome, ...counts };
}

async function finish(
  message: DigestMessage,
  current: DigestClaim | undefined,
  outcome: string,
): Promise<void> {
  if (!current) return;
  await writeDigestClaim(message.tenantId, message.period.weekId, current, {
    state: 'done',
    runId: current.runId,
    claimedAt: current.claimedAt,
    outcome,
  });
}

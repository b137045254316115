import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { getConfig } from '../config';
import { decideAlert, rememberDecided, visibilityDelaySeconds, windowClosesAt } from '../domain/alert-rules';
import type { AlertWindowMessage } from '../domain/messages';
import { resolveRecipients } from '../domain/recipients';
import { isLicensed } from '../domain/tenant';
import { renderUsersAtRiskEmail } from '../email/alert-email';
import { sendEmail } from '../email/sender';
import {
  pendingAlertWrite,
  readPendingAlerts,
  readWindow,
  replaceWindow,
  deletePendingAlerts,
  type PendingAlertRow,
  type WindowRow,
} from '../storage/alert-store';
import { queues } from '../storage/clients';
import { readRoleHolders } from '../storage/directory-store';
import {
  deleteNotification,
  getNotification,
  INTERRUPTED_REASON,
  notificationKey,
  putNotification,
  type Notification,
} from '../storage/notification-store';
import { enqueue } from '../storage/queue';
import { getSettings } from '../storage/settings-store';
import { getTenant, warmTenantCaches } from '../storage/tenant-store';
import { displayIdentity } from '../storage/user-store';
import type { RescoreHook } from './rescore-user';

/**
 * The "users at risk detected" alert (SPEC §5).
 *
 * A rescore that makes a user qualify writes a pending row in its own transaction (so
 * nobody who qualified is lost, and `lastAlertActivityDateTime` moves atomically with it:
 * nobody is reported twice for the same detection), then makes sure the tenant has an
 * open window. Opening a window puts a message on the alerts queue, invisible for the
 * window's length; when it arrives, {@link sendAlertWindow} claims the window (ETag),
 * sends one email for every pending user, and closes it. Everything lives in the queue
 * and Table Storage, so it holds with several instances and duplicate delivery.
 */

/** A window still `open` or `sending` this long after it should have closed was abandoned by a crashed worker. */
const ABANDONED_AFTER_MS = 10 * 60_000;
/**
 * A window's message may arrive this much before the window closes: its visibility delay
 * is rounded down to whole seconds, and another instance's clock may differ a little. The
 * sender waits out the rest instead of putting the message back for at least a second.
 */
const MAX_EARLY_MS = 1_000;

function windowMs(): number {
  return getConfig().ALERT_WINDOW_SECONDS * 1000;
}

export const alertRescoreHook: RescoreHook = async ({ tenantId, snapshot, plan, message, now }) => {
  const none = { userFields: {}, rows: [] };
  if (message.detectionIds.length === 0) return none;
  await warmTenantCaches(tenantId);
  const tenant = await getTenant(tenantId);
  if (!tenant) return none;
  const settings = await getSettings(tenantId, 'usersAtRiskAlert');
  const changed = new Map(plan.detections.map((d) => [d.id, d.state.riskState]));
  // A detection sent again that an earlier decision already took as new is not new (R-X3).
  const decidedBefore = snapshot.user?.alertDecided ?? [];
  const known = new Set(decidedBefore.map(([, id]) => id));
  const taken = message.detectionIds.flatMap((id) => {
    const row = snapshot.detectionRows.get(id);
    return row && !known.has(id) ? [{ id, row }] : [];
  });
  const decision = decideAlert({
    licensed: isLicensed(tenant.license),
    minRiskLevel: settings.minRiskLevel,
    userLevel: plan.user.riskLevel,
    newDetections: taken.map(({ id, row }) => ({
      activityDateTime: row.activityDateTime,
      riskState: changed.get(id) ?? row.riskState,
    })),
    lastAlertActivityDateTime: snapshot.user?.lastAlertActivityDateTime,
  });
  const decided = rememberDecided(
    decidedBefore,
    taken.map(({ id, row }) => [row.activityDateTime, id] as const),
    decision.qualifies ? decision.activityDateTime : snapshot.user?.lastAlertActivityDateTime,
  );
  const decidedFields =
    JSON.stringify(decided) === JSON.stringify(decidedBefore) ? {} : { alertDecided: decided };
  if (!decision.qualifies) {
    // A repeated message whose detection already qualified: make sure its window exists
    // (the first delivery may have stopped between its commit and opening the window) —
    // but only while someone waits in it: after the email, a window would open for nobody
    // and a duplicate delivery would change state (R-X3).
    const afterCommit =
      decision.reason === 'notNewer' ? () => openWindowForWaiting(tenantId, new Date()) : undefined;
    return { userFields: decidedFields, rows: [], afterCommit };
  }
  const identity = displayIdentity(snapshot);
  return {
    userFields: { lastAlertActivityDateTime: decision.activityDateTime, ...decidedFields },
    rows: [
      pendingAlertWrite(tenantId, {
        userId: snapshot.facts.userId,
        userPrincipalName: identity.userPrincipalName,
        displayName: identity.userDisplayName,
        riskLevel: plan.user.riskLevel as 'low' | 'medium' | 'high',
        qualifiedAt: now,
        activityDateTime: decision.activityDateTime,
      }),
    ],
    afterCommit: () => ensureAlertWindow(tenantId, new Date(), new Date(now)),
  };
};

function isLive(row: WindowRow, now: Date): boolean {
  if (row.state === 'closed') return false;
  const since =
    row.state === 'sending' ? Date.parse(row.claimedAt ?? row.closesAt) : Date.parse(row.closesAt);
  return now.getTime() - since < ABANDONED_AFTER_MS;
}

/** Per tenant, the last window opening started in this process (see {@link ensureAlertWindow}). */
const openings = new Map<string, Promise<void>>();

/**
 * Opens a window unless one is open (R-E5: the window opens when a user qualifies and no
 * window is open). `openedAt` is when the first user waiting in it qualified, which is
 * earlier than `now` for a user who qualified while the previous window was being sent.
 * The message goes first: if opening then loses a race, the message names a window that
 * never existed and the sender drops it.
 *
 * In one process the openings of a tenant run one after another: the rescores of a batch
 * that qualify together would otherwise all find no window, all put a message on the
 * queue, and all but one be dropped by the sender. One after another, the first opens the
 * window and the others find it open (a point read each). Across instances they may still
 * race, which costs such dropped messages and nothing else.
 */
export function ensureAlertWindow(tenantId: string, now: Date, openedAt: Date = now): Promise<void> {
  const previous = openings.get(tenantId) ?? Promise.resolve();
  const calledAt = Date.now();
  // `now`, moved on by the time spent waiting for the openings before this one.
  const mine = previous.then(() =>
    openWindow(tenantId, new Date(now.getTime() + Date.now() - calledAt), openedAt),
  );
  const settled = mine.catch(() => undefined);
  openings.set(tenantId, settled);
  void settled.then(() => {
    if (openings.get(tenantId) === settled) openings.delete(tenantId);
  });
  return mine;
}

async function openWindow(tenantId: string, now: Date, openedAt: Date): Promise<void> {
  const current = await readWindow(tenantId);
  if (current && isLive(current, now)) return;
  if (current) await settleAbandoned(tenantId, current);
  const closesAt = windowClosesAt(openedAt, current?.lastSentAt, windowMs());
  const windowId = randomUUID();
  const message: AlertWindowMessage = { type: 'alertWindow', tenantId, windowId };
  await enqueue(queues.alerts, message, visibilityDelaySeconds(closesAt, now));
  await replaceWindow(tenantId, current, {
    state: 'open',
    windowId,
    openedAt: openedAt.toISOString(),
    closesAt: closesAt.toISOString(),
    ...(current?.lastSentAt ? { lastSentAt: current.lastSentAt } : {}),
  });
}

export type AlertWindowOutcome =
  | { outcome: 'stale' | 'duplicate' | 'notYet' | 'lostClaim' | 'empty' }
  | {
      outcome: 'sent' | 'written' | 'failed' | 'noRecipients' | 'interrupted';
      users: number;
      recipients: number;
    };

/** Opens a window for the users still waiting (if any), from when the first of them qualified. */
async function openWindowForWaiting(tenantId: string, now: Date): Promise<void> {
  const waiting = await readPendingAlerts(tenantId);
  if (waiting.length === 0) return;
  const first = waiting.map((p) => p.qualifiedAt).reduce((a, b) => (a < b ? a : b));
  await ensureAlertWindow(tenantId, now, new Date(Math.min(Date.parse(first), now.getTime())));
}

/** Latest entry per user: a user who qualified twice in one window is named once, at the latest level. */
function usersOf(pending: readonly PendingAlertRow[]): Notification['users'] {
  const byUser = new Map<string, PendingAlertRow>();
  for (const p of pending) byUser.set(p.userId, p);
  return [...byUser.values()].map((p) => ({
    id: p.userId,
    userPrincipalName: p.userPrincipalName,
    displayName: p.displayName,
    riskLevel: p.riskLevel,
  }));
}

/** Sends one closed window: one email to every recipient naming everyone who qualified (R-E5, R-E6, R-E7). */
export async function sendAlertWindow(
  message: AlertWindowMessage,
  now = new Date(),
  options: { finalDelivery?: boolean; clock?: () => Date } = {},
): Promise<AlertWindowOutcome> {
  const { tenantId } = message;
  const clock = options.clock ?? (() => new Date());
  let window = await readWindow(tenantId);
  if (!window || window.windowId !== message.windowId) return { outcome: 'stale' };
  if (window.state === 'closed') return { outcome: 'duplicate' };
  // The claim, checked against the window's ETag: when another delivery claimed it first, or
  // a newer window replaced it, this claim is lost and that one sends the users.
  let claimed: Omit<WindowRow, 'etag'>;
  if (window.state === 'open') {
    const closesAt = new Date(window.closesAt);
    const early = closesAt.getTime() - now.getTime();
    if (early > MAX_EARLY_MS) {
      await enqueue(queues.alerts, message, visibilityDelaySeconds(closesAt, now));
      return { outcome: 'notYet' };
    }
    if (early > 0) {
      await sleep(early);
      now = closesAt;
    }
    claimed = {
      ...window,
      state: 'sending',
      claimedAt: now.toISOString(),
      notificationKey: notificationKey(now.toISOString(), window.windowId),
    };
  } else {
    // A retry of this window's sender (`sending`), perhaps one put back long after a storage
    // outage, when the window already counts as abandoned: claimed anew, so that no window
    // opened meanwhile for the same users sends them too.
    claimed = { ...window, claimedAt: now.toISOString() };
  }
  const mine = await replaceWindow(tenantId, window, claimed);
  if (!mine) return { outcome: 'lostClaim' };
  window = mine;
  // From here on this window is ours (or a retry of ours): finish it. Everything it reads
  // before sending is independent, so it is read at once.
  const key = window.notificationKey ?? notificationKey(now.toISOString(), window.windowId);
  const [waiting, previous, context] = await Promise.all([
    readPendingAlerts(tenantId),
    getNotification(tenantId, key),
    readSendingContext(tenantId),
  ]);
  // The email names the users who qualified by the time it is sent (its log entry's
  // `dateTime`): that is how a retry tells which of them it covered. Anyone who qualified
  // since waits for the next window.
  const pending = waiting.filter((p) => p.qualifiedAt <= now.toISOString());
  let outcome: AlertWindowOutcome;
  let covered: readonly PendingAlertRow[] = pending;
  if (previous) {
    // A retry after this window's email was recorded (or was being sent): never send again.
    ({ outcome, covered } = await settleRecorded(tenantId, key, previous, waiting));
  } else if (pending.length === 0) {
    outcome = { outcome: 'empty' };
  } else {
    outcome = await deliver(tenantId, window, key, pending, context, now, options.finalDelivery === true);
  }
  // The next window counts from here: SendGrid has accepted the email (or there was none).
  const closed = { state: 'closed', lastSentAt: clock().toISOString() } as const;
  await deletePendingAlerts(tenantId, covered);
  if (!(await replaceWindow(tenantId, window, { ...window, ...closed }))) {
    const latest = await readWindow(tenantId);
    if (latest && latest.windowId === window.windowId)
      await replaceWindow(tenantId, latest, { ...latest, ...closed });
  }
  // Users who qualified while this window was being sent wait in the next one, which
  // opened when the first of them qualified.
  await openWindowForWaiting(tenantId, clock());
  return outcome;
}

/**
 * Settles what an earlier run of a window recorded, and returns the pending rows it covers:
 * the users the entry names, as they were when it was written. An entry still `sending` is a
 * crash between handing the email to SendGrid and recording the answer: the email may have
 * gone out, so it is recorded as failed, not sent again (R-E5: nobody twice for the same
 * detection). A refusal does not leave one behind: {@link deliver} removes it before the
 * queue retries (unless storage fails for that too: the retry then records the email as
 * interrupted, lost rather than doubled).
 */
async function settleRecorded(
  tenantId: string,
  key: string,
  previous: Notification,
  pending: readonly PendingAlertRow[],
): Promise<{ outcome: AlertWindowOutcome; covered: PendingAlertRow[] }> {
  const named = new Set(previous.users.map((u) => u.id));
  const covered = pending.filter((p) => named.has(p.userId) && p.qualifiedAt <= previous.dateTime);
  const counts = { users: previous.users.length, recipients: previous.recipients.length };
  if (previous.outcome !== 'sending') return { outcome: { outcome: previous.outcome, ...counts }, covered };
  await putNotification(tenantId, key, { ...previous, outcome: 'failed', reason: INTERRUPTED_REASON });
  return { outcome: { outcome: 'interrupted', ...counts }, covered };
}

/**
 * Before a window replaces one abandoned while `sending` (its worker crashed, and its message
 * is not back yet): the users that window recorded leave the pending list, so the new window
 * does not email them again. A window abandoned before it recorded anything sent nothing,
 * and its users wait in the new one.
 */
async function settleAbandoned(tenantId: string, window: WindowRow): Promise<void> {
  if (window.state !== 'sending' || !window.notificationKey) return;
  const previous = await getNotification(tenantId, window.notificationKey);
  if (!previous) return;
  const { covered } = await settleRecorded(
    tenantId,
    window.notificationKey,
    previous,
    await readPendingAlerts(tenantId),
  );
  await deletePendingAlerts(tenantId, covered);
}

/** What sending needs besides the users: the tenant, its alert settings and its role holders. */
interface SendingContext {
  tenant: Awaited<ReturnType<typeof getTenant>>;
  settings: Awaited<ReturnType<typeof getSettings<'usersAtRiskAlert'>>>;
  holders: Awaited<ReturnType<typeof readRoleHolders>>;
}

async function readSendingContext(tenantId: string): Promise<SendingContext> {
  const [tenant, settings, holders] = await Promise.all([
    getTenant(tenantId),
    getSettings(tenantId, 'usersAtRiskAlert', true),
    readRoleHolders(tenantId),
  ]);
  return { tenant, settings, holders };
}

async function deliver(
  tenantId: string,
  window: WindowRow,
  key: string,
  pending: readonly PendingAlertRow[],
  { tenant, settings, holders }: SendingContext,
  now: Date,
  finalDelivery: boolean,
): Promise<AlertWindowOutcome> {
  const users = usersOf(pending);
  const record = (n: Omit<Notification, 'id' | 'type' | 'dateTime' | 'users'>): Promise<void> =>
    putNotification(tenantId, key, {
      id: window.windowId,
      type: 'usersAtRisk',
      dateTime: now.toISOString(),
      users,
      ...n,
    });
  // R-E1, again at sending time: a tenant may have lost its licence since the users qualified.
  if (!tenant || !isLicensed(tenant.license)) {
    await record({
      recipients: [],
      outcome: 'failed',
      reason: 'tenant is not licensed (P2 or Entra Suite); nothing was sent',
    });
    return { outcome: 'failed', users: users.length, recipients: 0 };
  }
  const { recipients } = resolveRecipients({
    ...holders,
    disabledRecipientIds: settings.disabledRecipientIds,
    customRecipients: settings.customRecipients,
    at: now,
  });
  const addresses = recipients.map((r) => r.address);
  if (addresses.length === 0) {
    await record({
      recipients: [],
      outcome: 'noRecipients',
      reason: 'no recipient: no active role holder with an address, and no custom address',
    });
    return { outcome: 'noRecipients', users: users.length, recipients: 0 };
  }
  await record({ recipients: addresses, outcome: 'sending' });
  const email = renderUsersAtRiskEmail({
    tenantDisplayName: tenant.displayName,
    users: users.map((u) => ({
      userId: u.id,
      displayName: u.displayName,
      userPrincipalName: u.userPrincipalName,
      riskLevel: u.riskLevel as 'low' | 'medium' | 'high',
    })),
    reportBaseUrl: getConfig().REPORT_BASE_URL,
    windowEnd: window.closesAt,
  });
  const sent = await sendEmail({
    ...email,
    recipients: addresses,
    category: 'usersAtRisk',
    idempotencyKey: window.windowId,
  });
  if (sent.outcome === 'failed' && sent.retryable && !finalDelivery) {
    // R-X5: SendGrid did not take it; throw so the queue retries this window later. No email
    // went out, so the entry goes too: a `sending` entry tells a retry that one may have.
    await deleteNotification(tenantId, key);
    throw new Error(`alert email not accepted yet (${sent.reason}); the queue will retry`);
  }
  await record({
    recipients: addresses,
    outcome: sent.outcome,
    ...(sent.outcome === 'failed'
      ? { reason: sent.retryable ? `${sent.reason}; not retried further (last queue delivery)` : sent.reason }
      : {}),
  });
  return { outcome: sent.outcome, users: users.length, recipients: addresses.length };
}

import { createHash, randomUUID } from 'node:crypto';
import type { TransactionAction } from '@azure/data-tables';
import { initiatedBy, type Principal } from '../auth';
import type { SignInActionKind, UserActionKind } from '../domain/facts';
import { packRescores, type RescoreMessage } from '../domain/messages';
import { getConfig } from '../config';
import { AppError, ensureError, notFound } from '../errors';
import { getStorage, queues } from '../storage/clients';
import { UserRow, toEntity } from '../storage/entities';
import { isConflict, isNotFound, isPreconditionFailed } from '../storage/errors';
import { keys, partitions } from '../storage/keys';
import { projectionPlaceOf, projectionProcessing } from '../storage/projection';
import { adminConfirmedDetection, signInOwners, writeAdminConfirmedDetection } from '../storage/ingest-store';
import { enqueue } from '../storage/queue';
import { getMany, getManyAcross, getOptional, submitGroups } from '../storage/table';

/**
 * Accepting feedback (SPEC §4): validate every id first (unknown → 404, nothing applied),
 * queue the recheck, record the action and `isProcessing = true`, queue the user for the
 * worker.
 */

/** Who calls, as the actions record it. */
export interface Caller {
  /** Recorded as the initiator of each action (R-S7). */
  initiatedBy: string;
  /**
   * The caller's own `client-request-id`, when it sent one. Graph SDKs send one with every
   * request and the same one again when they retry it (after a 503 with Retry-After), so it
   * names the call: see {@link actionIdOf}.
   */
  clientRequestId?: string | undefined;
}

/** The caller of a feedback route: its principal, and the `client-request-id` it sent. */
export function callerOf(ctx: { principal: Principal; clientRequestId: string | undefined }): Caller {
  return { initiatedBy: initiatedBy(ctx.principal), clientRequestId: ctx.clientRequestId };
}

/**
 * How long a call naming the `client-request-id` of an earlier one by the same caller is
 * taken as its retry (Graph SDKs give up retrying after 30 minutes at most). After that, the
 * id is being reused, and the call records new actions.
 */
export const RETRY_WINDOW_MS = 60 * 60_000;

/** Where a call's warnings go: the function's invocation context. */
interface Logger {
  warn(text: string): void;
}
const silent: Logger = { warn: () => undefined };

/** What one user's share of a call writes: built once, so a retried write keeps its ids. */
interface UserShare {
  actions: TransactionAction[];
  /** The share again with new action ids, when its ids came from the caller's `client-request-id`. */
  withNewIds?: () => UserShare;
  /** New detections the rows add (R-F3's), named in the rescore messages for the alert (R-F7). */
  detectionIds: string[];
  /** Runs once the rows are recorded (R-F3's detection, in other partitions). */
  after?: () => Promise<void>;
}

/**
 * The safety net under every call (R-X6): before anything is recorded, the call's users are
 * queued for one more rescore, `FEEDBACK_RECHECK_SECONDS` later. A recorded action always
 * has a rescore coming, then: when storage fails right after the record and the immediate
 * rescore cannot be queued, the recheck applies the action, and the user does not stay
 * `isProcessing`. Otherwise it finds nothing to do and writes nothing (rescoring is
 * idempotent, R-X3). When the recheck cannot be queued, nothing is recorded: the call fails.
 */
async function queueRecheck(tenantId: string, shares: ReadonlyMap<string, UserShare>): Promise<void> {
  // A share may be recorded under new ids (a reused `client-request-id`), with its own R-F3
  // detection: the recheck names that one too, as it cannot know yet which is recorded.
  const users = new Map(
    [...shares].map(([userId, share]) => [
      userId,
      [...share.detectionIds, ...(share.withNewIds?.().detectionIds ?? [])],
    ]),
  );
  const delay = getConfig().FEEDBACK_RECHECK_SECONDS;
  await Promise.all(packRescores(tenantId, users).map((m) => enqueue(queues.rescore, m, delay)));
}

/**
 * The user's rescore, now. Once the action is recorded, a failure here leaves it to the
 * recheck, so the call still succeeds; the warning tells the operator.
 */
async function queueRescore(message: RescoreMessage, log: Logger): Promise<void> {
  try {
    await enqueue(queues.rescore, message);
  } catch (error) {
    log.warn(
      `the rescore of user ${message.userId} of tenant ${message.tenantId} could not be queued (${ensureError(error).message}); its action is recorded and the recheck applies it within FEEDBACK_RECHECK_SECONDS (${getConfig().FEEDBACK_RECHECK_SECONDS} s)`,
    );
  }
}

/**
 * `isProcessing = true` on the user row and on every projection copy. The user row is
 * written with its ETag (created when absent), so the copies marked are the ones filed
 * under that version of the row.
 */
function markProcessing(tenantId: string, userId: string, user: UserRow | undefined): TransactionAction[] {
  const partitionKey = partitions.users(tenantId, userId);
  const entity = {
    partitionKey,
    rowKey: keys.user(userId),
    rowType: 'user',
    userId,
    isProcessing: true,
  };
  const place = projectionPlaceOf(user);
  return [
    user?.etag ? ['update', entity, 'Merge', { etag: user.etag }] : ['create', entity],
    ...(place ? projectionProcessing(partitionKey, userId, place) : []),
  ];
}

/** A user's rows rewritten this many times while an action is being accepted means something is wrong. */
const MAX_ACCEPT_ATTEMPTS = 8;

/**
 * Writes one user's share of a call in one transaction, locked by the user row's ETag, and
 * returns the share recorded (with new ids, when the caller reused an old call's id). A
 * rescore that committed since the row was read may have moved the projection copies (its
 * time or level changed): re-read the row and rebuild, rather than fail on a copy that no
 * longer exists (R-X4). A transaction whose answer was lost (storage committed it, and the
 * client's own retry then failed on its ETag) is recorded: its action rows are there.
 */
async function acceptForUser(
  tenantId: string,
  userId: string,
  row: Record<string, unknown> | undefined,
  firstShare: UserShare,
  now: Date,
): Promise<UserShare> {
  const { tables } = getStorage();
  let current = row;
  let share = firstShare;
  for (let attempt = 1; ; attempt += 1) {
    const user = current ? UserRow.parse(current) : undefined;
    try {
      // A failed transaction wrote nothing, so the retry writes the same action rows.
      await submitGroups(tables, [[...markProcessing(tenantId, userId, user), ...share.actions]]);
    } catch (error) {
      const raced = isPreconditionFailed(error) || isConflict(error) || isNotFound(error);
      if (!raced) throw error;
      const recorded = await recordedActions(share);
      const recordedAt = Math.min(...recorded.values());
      if (recorded.size > 0 && share.withNewIds && recordedAt < now.getTime() - RETRY_WINDOW_MS) {
        // The caller reused a `client-request-id` of a call long past: this is a new call.
        share = share.withNewIds();
        continue;
      }
      if (recorded.size === 0) {
        if (attempt >= MAX_ACCEPT_ATTEMPTS) throw tooBusy(userId);
        current = await getOptional<Record<string, unknown>>(
          tables,
          partitions.users(tenantId, userId),
          keys.user(userId),
        );
        continue;
      }
      if (recorded.size < share.actions.length) {
        // A call with the `client-request-id` of a recent one that named fewer of this user's
        // sign-ins: those are its retry, recorded once; the others are recorded now.
        share = { ...share, actions: share.actions.filter((a) => !recorded.has(rowKeyOf(a))) };
        continue;
      }
    }
    // The action is recorded: what follows must not fail the call, whose rescore must still
    // be queued. A failed write here is not lost: the rescore writes a missing R-F3 detection
    // (readUserSnapshot), so the error is dropped rather than answered.
    await share.after?.().catch(() => undefined);
    return share;
  }
}

const rowKeyOf = (action: TransactionAction): string => (action[1] as { rowKey: string }).rowKey;

/**
 * Which of a share's action rows exist already (written by this call, whose answer was lost,
 * or by the call it retries), by RowKey, with their `acceptedAt`. A share's rows are one
 * transaction, so a retry finds all of them; finding some means an earlier call with the
 * same `client-request-id` named only those.
 */
async function recordedActions(share: UserShare): Promise<Map<string, number>> {
  const [, first] = share.actions[0]!;
  const { partitionKey } = first as { partitionKey: string };
  const rows = await getMany<{ acceptedAt?: string }>(
    getStorage().tables,
    partitionKey,
    share.actions.map(rowKeyOf),
  );
  return new Map([...rows].map(([rowKey, row]) => [rowKey, Date.parse(row.acceptedAt ?? '') || 0]));
}

/**
 * The id of an action row. A call with a `client-request-id` gets ids derived from it, the
 * caller, the kind and the target: a retry of the call writes the very rows the first
 * attempt did, finds them recorded, and records nothing twice (a retried confirm
 * compromised adds no second R-F3 detection). Any other call gets new ids.
 */
function actionIdOf(caller: Caller, kind: string, userId: string, requestId?: string): string {
  if (!caller.clientRequestId) return randomUUID();
  const hex = createHash('sha256')
    .update(
      [caller.clientRequestId.toLowerCase(), caller.initiatedBy, kind, userId, requestId ?? ''].join('\n'),
    )
    .digest('hex');
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join(
    '-',
  );
}

/** A user rewritten on every attempt to record an action: answered 503, so the caller retries. */
function tooBusy(userId: string): AppError {
  return new AppError(
    'serviceUnavailable',
    `User ${userId} changed ${MAX_ACCEPT_ATTEMPTS} times while its action was being recorded, and the action was not recorded; retry shortly.`,
    5,
  );
}

function actionRow(
  tenantId: string,
  userId: string,
  kind: string,
  acceptedAt: string,
  caller: Caller,
  requestId?: string,
): { id: string; row: TransactionAction } {
  const id = actionIdOf(caller, kind, userId, requestId);
  const { initiatedBy } = caller;
  return {
    id,
    row: [
      'create',
      {
        partitionKey: partitions.users(tenantId, userId),
        rowKey: keys.action(userId, id),
        ...toEntity({ rowType: 'action', id, kind, requestId, acceptedAt, initiatedBy }),
      },
    ],
  };
}

export async function acceptUserAction(
  tenantId: string,
  kind: UserActionKind,
  userIds: readonly string[],
  caller: Caller,
  now: Date = new Date(),
  log: Logger = silent,
): Promise<void> {
  const { tables } = getStorage();
  const ids = [...new Set(userIds)];
  const found = await getManyAcross<Record<string, unknown>>(
    tables,
    ids.map((id) => ({ partitionKey: partitions.users(tenantId, id), rowKey: keys.user(id) })),
  );
  const missing = ids.filter((id) => !found.has(keys.user(id)));
  if (missing.length > 0)
    throw notFound(`No user with id '${missing[0]}' in this tenant; nothing was applied.`);

  const acceptedAt = now.toISOString();
  const shares = new Map(
    ids.map((userId) => [userId, userActionShare(tenantId, userId, kind, acceptedAt, caller)]),
  );
  await acceptShares(tenantId, shares, found, now, log);
}

/**
 * Queues the recheck, then accepts each user's share at once. Each user's rescore is queued
 * as soon as its action is recorded, and the call settles only when every user has: if one
 * user's write fails, the users already recorded are still queued (not left `isProcessing`
 * with an action nobody applies), and the call then fails with that error.
 */
async function acceptShares(
  tenantId: string,
  shares: ReadonlyMap<string, UserShare>,
  userRows: ReadonlyMap<string, Record<string, unknown>>,
  now: Date,
  log: Logger,
): Promise<void> {
  await queueRecheck(tenantId, shares);
  const settled = await Promise.allSettled(
    [...shares].map(async ([userId, share]) => {
      const recorded = await acceptForUser(tenantId, userId, userRows.get(keys.user(userId)), share, now);
      await queueRescore({ type: 'rescore', tenantId, userId, detectionIds: recorded.detectionIds }, log);
    }),
  );
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

function userActionShare(
  tenantId: string,
  userId: string,
  kind: UserActionKind,
  acceptedAt: string,
  caller: Caller,
): UserShare {
  const action = actionRow(tenantId, userId, kind, acceptedAt, caller);
  const withNewIds = newIdsFor(caller, (anonymous) =>
    userActionShare(tenantId, userId, kind, acceptedAt, anonymous),
  );
  if (kind !== 'confirmUserCompromised') return { actions: [action.row], detectionIds: [], withNewIds };
  // R-F3: the action adds a user detection. It lives in other partitions, so it is written
  // once the action is recorded; the rescore writes it too if this never happened.
  const detection = adminConfirmedDetection(userId, action.id, acceptedAt);
  return {
    detectionIds: [detection.id],
    actions: [action.row],
    withNewIds,
    after: () => writeAdminConfirmedDetection(tenantId, detection),
  };
}

/**
 * A share's {@link UserShare.withNewIds}: built again for the caller without its
 * `client-request-id`, once, so that the recheck and the recorded rows name the same ids.
 */
function newIdsFor(caller: Caller, build: (caller: Caller) => UserShare): UserShare['withNewIds'] {
  if (!caller.clientRequestId) return undefined;
  let built: UserShare | undefined;
  return () => (built ??= build({ initiatedBy: caller.initiatedBy }));
}

export async function acceptSignInAction(
  tenantId: string,
  kind: SignInActionKind,
  requestIds: readonly string[],
  caller: Caller,
  now: Date = new Date(),
  log: Logger = silent,
): Promise<void> {
  const { tables } = getStorage();
  const ids = [...new Set(requestIds)];
  const owners = await signInOwners(tenantId, ids);
  const missing = ids.filter((id) => !owners.has(id));
  if (missing.length > 0)
    throw notFound(`No sign-in with id '${missing[0]}' in this tenant; nothing was applied.`);

  const acceptedAt = now.toISOString();
  const byUser = new Map<string, string[]>();
  for (const id of ids) {
    const userId = owners.get(id)!;
    byUser.set(userId, [...(byUser.get(userId) ?? []), id]);
  }
  const users = await getManyAcross<Record<string, unknown>>(
    tables,
    [...byUser.keys()].map((u) => ({ partitionKey: partitions.users(tenantId, u), rowKey: keys.user(u) })),
  );
  const share = (userId: string, requestIds: readonly string[], by: Caller): UserShare => ({
    actions: requestIds.map((requestId) => actionRow(tenantId, userId, kind, acceptedAt, by, requestId).row),
    detectionIds: [],
    withNewIds: newIdsFor(by, (anonymous) => share(userId, requestIds, anonymous)),
  });
  const shares = new Map(
    [...byUser].map(([userId, requestIds]): [string, UserShare] => [
      userId,
      share(userId, requestIds, caller),
    ]),
  );
  await acceptShares(tenantId, shares, users, now, log);
}

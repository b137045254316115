import { randomUUID } from 'node:crypto';
import type { TransactionAction } from '@azure/data-tables';
import type { SignInActionKind, UserActionKind } from '../domain/facts';
import type { RescoreMessage } from '../domain/messages';
import { notFound } from '../errors';
import { getStorage, queues } from '../storage/clients';
import { UserRow, toEntity } from '../storage/entities';
import { isConflict, isNotFound, isPreconditionFailed } from '../storage/errors';
import { keys, partitions } from '../storage/keys';
import { projectionPlaceOf, projectionProcessing } from '../storage/projection';
import { adminConfirmedDetection, writeAdminConfirmedDetection } from '../storage/ingest-store';
import { enqueue } from '../storage/queue';
import { getMany, getManyAcross, getOptional, submitGroups } from '../storage/table';

/**
 * Accepting feedback (SPEC §4): validate every id first (unknown → 404, nothing applied),
 * record the action and `isProcessing = true`, queue the user for the worker.
 */

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
 * Writes one user's share of a call in one transaction, locked by the user row's ETag. A
 * rescore that committed since the row was read may have moved the projection copies (its
 * time or level changed): re-read the row and rebuild, rather than fail on a copy that no
 * longer exists (R-X4). Returns the detection ids the written rows added.
 */
async function acceptForUser(
  tenantId: string,
  userId: string,
  row: Record<string, unknown> | undefined,
  rows: () => { actions: TransactionAction[]; detectionIds: string[]; after?: () => Promise<void> },
): Promise<string[]> {
  const { tables } = getStorage();
  let current = row;
  for (let attempt = 1; ; attempt += 1) {
    const built = rows();
    const user = current ? UserRow.parse(current) : undefined;
    try {
      await submitGroups(tables, [[...markProcessing(tenantId, userId, user), ...built.actions]]);
    } catch (error) {
      const raced = isPreconditionFailed(error) || isConflict(error) || isNotFound(error);
      if (!raced || attempt >= MAX_ACCEPT_ATTEMPTS) throw error;
      current = await getOptional<Record<string, unknown>>(
        tables,
        partitions.users(tenantId, userId),
        keys.user(userId),
      );
      continue;
    }
    // The action is recorded: what follows must not fail the call, whose rescore must still
    // be queued. A failed write here is not lost: the rescore writes a missing R-F3 detection
    // (readUserSnapshot), so the error is dropped rather than answered.
    await built.after?.().catch(() => undefined);
    return built.detectionIds;
  }
}

function actionRow(
  tenantId: string,
  userId: string,
  kind: string,
  acceptedAt: string,
  initiatedBy: string,
  requestId?: string,
): { id: string; row: TransactionAction } {
  const id = randomUUID();
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
  initiatedBy: string,
  now: Date = new Date(),
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
  await forEachUser(ids, async (userId) => {
    const detectionIds = await acceptForUser(tenantId, userId, found.get(keys.user(userId)), () =>
      userActionRows(tenantId, userId, kind, acceptedAt, initiatedBy),
    );
    const message: RescoreMessage = { type: 'rescore', tenantId, userId, detectionIds };
    await enqueue(queues.rescore, message);
  });
}

/**
 * Accepts a call's share of each user at once. Each user's rescore is queued as soon as its
 * action is recorded, and the call settles only when every user has: if one user's write
 * fails, the users already recorded are still queued (not left `isProcessing` with an
 * action nobody applies), and the call then fails with that error.
 */
async function forEachUser(
  userIds: readonly string[],
  accept: (userId: string) => Promise<void>,
): Promise<void> {
  const settled = await Promise.allSettled(userIds.map(accept));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

function userActionRows(
  tenantId: string,
  userId: string,
  kind: UserActionKind,
  acceptedAt: string,
  initiatedBy: string,
): { actions: TransactionAction[]; detectionIds: string[]; after?: () => Promise<void> } {
  const action = actionRow(tenantId, userId, kind, acceptedAt, initiatedBy);
  if (kind !== 'confirmUserCompromised') return { actions: [action.row], detectionIds: [] };
  // R-F3: the action adds a user detection. It lives in other partitions, so it is written
  // once the action is recorded; the rescore writes it too if this never happened.
  const detection = adminConfirmedDetection(userId, action.id, acceptedAt);
  return {
    detectionIds: [detection.id],
    actions: [action.row],
    after: () => writeAdminConfirmedDetection(tenantId, detection),
  };
}

export async function acceptSignInAction(
  tenantId: string,
  kind: SignInActionKind,
  requestIds: readonly string[],
  initiatedBy: string,
  now: Date = new Date(),
): Promise<void> {
  const { tables } = getStorage();
  const ids = [...new Set(requestIds)];
  const pointers = await getMany<{ userId: string }>(
    tables,
    partitions.index(tenantId),
    ids.map((id) => keys.signInPointer(id)),
  );
  const missing = ids.filter((id) => !pointers.has(keys.signInPointer(id)));
  if (missing.length > 0)
    throw notFound(`No sign-in with id '${missing[0]}' in this tenant; nothing was applied.`);

  const acceptedAt = now.toISOString();
  const byUser = new Map<string, string[]>();
  for (const id of ids) {
    const userId = pointers.get(keys.signInPointer(id))!.userId;
    byUser.set(userId, [...(byUser.get(userId) ?? []), id]);
  }
  const users = await getManyAcross<Record<string, unknown>>(
    tables,
    [...byUser.keys()].map((u) => ({ partitionKey: partitions.users(tenantId, u), rowKey: keys.user(u) })),
  );
  await forEachUser([...byUser.keys()], async (userId) => {
    await acceptForUser(tenantId, userId, users.get(keys.user(userId)), () => ({
      actions: byUser
        .get(userId)!
        .map((requestId) => actionRow(tenantId, userId, kind, acceptedAt, initiatedBy, requestId).row),
      detectionIds: [],
    }));
    await enqueue(queues.rescore, { type: 'rescore', tenantId, userId, detectionIds: [] });
  });
}

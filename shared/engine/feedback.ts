import { randomUUID } from 'node:crypto';
import type { TransactionAction } from '@azure/data-tables';
import type { SignInActionKind, UserActionKind } from '../domain/facts';
import type { RescoreMessage } from '../domain/messages';
import { notFound } from '../errors';
import { getStorage, queues } from '../storage/clients';
import { UserRow, toEntity } from '../storage/entities';
import { keys } from '../storage/keys';
import { projectionPlaceOf, projectionProcessing, type ProjectionPlace } from '../storage/projection';
import { enqueue } from '../storage/queue';
import { getMany, submitGroups } from '../storage/table';

/**
 * Accepting feedback (SPEC §4): validate every id first (unknown → 404, nothing applied),
 * record the action and `isProcessing = true`, queue the user for the worker.
 */

function markProcessing(
  tenantId: string,
  userId: string,
  place: ProjectionPlace | undefined,
): TransactionAction[] {
  return [
    [
      'upsert',
      { partitionKey: tenantId, rowKey: keys.user(userId), rowType: 'user', userId, isProcessing: true },
      'Merge',
    ],
    ...(place ? projectionProcessing(tenantId, userId, place) : []),
  ];
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
        partitionKey: tenantId,
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
  const { table } = getStorage();
  const ids = [...new Set(userIds)];
  const found = await getMany<Record<string, unknown>>(
    table,
    tenantId,
    ids.map((id) => keys.user(id)),
  );
  const missing = ids.filter((id) => !found.has(keys.user(id)));
  if (missing.length > 0)
    throw notFound(`No user with id '${missing[0]}' in this tenant; nothing was applied.`);

  const acceptedAt = now.toISOString();
  const messages: RescoreMessage[] = [];
  const groups = ids.map((userId) => {
    const user = UserRow.parse(found.get(keys.user(userId)));
    const action = actionRow(tenantId, userId, kind, acceptedAt, initiatedBy);
    const group = [action.row, ...markProcessing(tenantId, userId, projectionPlaceOf(user))];
    const detectionIds: string[] = [];
    if (kind === 'confirmUserCompromised') {
      // R-F3: the action adds a user detection, recorded at the same instant (it precedes its action in replay).
      const detectionId = `acc-${action.id}`;
      detectionIds.push(detectionId);
      group.push(
        [
          'create',
          { partitionKey: tenantId, rowKey: keys.detectionPointer(detectionId), rowType: 'pointer', userId },
        ],
        [
          'create',
          {
            partitionKey: tenantId,
            rowKey: keys.detection(userId, detectionId),
            ...toEntity({
              rowType: 'detection',
              id: detectionId,
              userId,
              riskEventType: 'adminConfirmedUserCompromised',
              activity: 'user',
              detectionTimingType: 'offline',
              riskLevel: 'high',
              activityDateTime: acceptedAt,
              detectedDateTime: acceptedAt,
              recordedAt: acceptedAt,
              source: 'IdentityProtection',
              riskState: 'atRisk',
              riskDetail: 'none',
              lastUpdatedDateTime: acceptedAt,
            }),
          },
        ],
      );
    }
    messages.push({ type: 'rescore', tenantId, userId, detectionIds });
    return group;
  });
  await submitGroups(table, groups);
  await Promise.all(messages.map((m) => enqueue(queues.rescore, m)));
}

export async function acceptSignInAction(
  tenantId: string,
  kind: SignInActionKind,
  requestIds: readonly string[],
  initiatedBy: string,
  now: Date = new Date(),
): Promise<void> {
  const { table } = getStorage();
  const ids = [...new Set(requestIds)];
  const pointers = await getMany<{ userId: string }>(
    table,
    tenantId,
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
  const users = await getMany<Record<string, unknown>>(
    table,
    tenantId,
    [...byUser.keys()].map((u) => keys.user(u)),
  );
  const groups = [...byUser].map(([userId, requestIdsOfUser]) => {
    const row = users.get(keys.user(userId));
    return [
      ...requestIdsOfUser.map(
        (requestId) => actionRow(tenantId, userId, kind, acceptedAt, initiatedBy, requestId).row,
      ),
      ...markProcessing(tenantId, userId, projectionPlaceOf(row ? UserRow.parse(row) : undefined)),
    ];
  });
  await submitGroups(table, groups);
  await Promise.all(
    [...byUser.keys()].map((userId) =>
      enqueue(queues.rescore, { type: 'rescore', tenantId, userId, detectionIds: [] }),
    ),
  );
}

import type { TransactionAction } from '@azure/data-tables';
import type { UserFacts } from '../domain/facts';
import type { RescorePlan, StoredUserRisk } from '../domain/rescore';
import type { SignInView } from '../domain/scoring';
import type { DerivedState } from '../domain/facts';
import { getStorage } from './clients';
import {
  ActionRow,
  DetectionRow,
  SignInRow,
  UserRow,
  actionFactOf,
  detectionFactOf,
  signInFactOf,
  toEntity,
} from './entities';
import { adminConfirmedDetection, writeAdminConfirmedDetection } from './ingest-store';
import { keys, partitions } from './keys';
import { projectionPlaceOf, projectionWrites } from './projection';
import { queryRange, submitGroups } from './table';

/** Everything one rescore needs, from two range queries (read in parallel). */
export interface UserSnapshot {
  user: UserRow | undefined;
  facts: UserFacts;
  previous: StoredUserRisk | undefined;
  storedDetections: Map<string, DerivedState>;
  storedSignIns: Map<string, SignInView>;
  detectionRows: Map<string, DetectionRow>;
}

export async function readUserSnapshot(tenantId: string, userId: string): Promise<UserSnapshot> {
  const snapshot = await readRows(tenantId, userId);
  // R-F3's detection is written after its action; if that write never happened, write it now.
  const missing = snapshot.facts.actions.filter(
    (a) =>
      a.kind === 'confirmUserCompromised' &&
      a.appliedAt === undefined &&
      !snapshot.detectionRows.has(adminConfirmedDetection(userId, a.id, a.acceptedAt).id),
  );
  if (missing.length === 0) return snapshot;
  await Promise.all(
    missing.map((a) =>
      writeAdminConfirmedDetection(tenantId, adminConfirmedDetection(userId, a.id, a.acceptedAt)),
    ),
  );
  return readRows(tenantId, userId);
}

async function readRows(tenantId: string, userId: string): Promise<UserSnapshot> {
  const { tables } = getStorage();
  const [state, facts] = await Promise.all([
    queryRange<Record<string, unknown>>(
      tables,
      partitions.users(tenantId, userId),
      keys.userStateRange(userId),
    ),
    queryRange<Record<string, unknown>>(
      tables,
      partitions.facts(tenantId, userId),
      keys.userFactsRange(userId),
    ),
  ]);
  const rows = [...state, ...facts];
  let user: UserRow | undefined;
  const detections: DetectionRow[] = [];
  const signIns: Array<ReturnType<typeof SignInRow.parse>> = [];
  const actions: Array<ReturnType<typeof ActionRow.parse>> = [];
  for (const row of rows) {
    switch (row.rowType) {
      case 'user':
        user = UserRow.parse(row);
        break;
      case 'detection':
        detections.push(DetectionRow.parse(row));
        break;
      case 'signIn':
        signIns.push(SignInRow.parse(row));
        break;
      case 'action':
        actions.push(ActionRow.parse(row));
        break;
      default:
        break;
    }
  }
  const previous: StoredUserRisk | undefined =
    user?.riskLevel && user.riskState && user.riskDetail
      ? {
          riskLevel: user.riskLevel,
          riskState: user.riskState,
          riskDetail: user.riskDetail,
          riskLastUpdatedDateTime: user.riskLastUpdatedDateTime,
        }
      : undefined;
  return {
    user,
    previous,
    facts: {
      userId,
      detections: detections.map(detectionFactOf),
      signIns: signIns.map(signInFactOf),
      actions: actions.map(actionFactOf),
    },
    storedDetections: new Map(
      detections.map((d) => [d.id, { riskState: d.riskState, riskDetail: d.riskDetail }]),
    ),
    storedSignIns: new Map(
      signIns.map((s) => [
        s.id,
        {
          riskState: s.riskState,
          riskDetail: s.riskDetail,
          riskLevelAggregated: s.riskLevelAggregated,
          riskEventTypes: s.riskEventTypes,
        },
      ]),
    ),
    detectionRows: new Map(detections.map((d) => [d.id, d])),
  };
}

/** The name a user is shown with: the directory's, else the latest sign-in's. */
export function displayIdentity(snapshot: UserSnapshot): {
  userPrincipalName: string;
  userDisplayName: string;
} {
  const latest = [...snapshot.facts.signIns].sort((a, b) =>
    a.createdDateTime < b.createdDateTime ? 1 : -1,
  )[0];
  return {
    userPrincipalName: snapshot.user?.userPrincipalName ?? latest?.userPrincipalName ?? '',
    userDisplayName: snapshot.user?.displayName ?? latest?.userDisplayName ?? '',
  };
}

/**
 * Writes a rescore. Derived detection and sign-in states go first (idempotent); the
 * last transaction carries the user row, checked against the ETag read by
 * {@link readUserSnapshot}, together with the projection, history, applied actions and
 * `extra` rows (alert bookkeeping). A concurrent change fails that transaction (412/409)
 * and the caller re-reads and re-plans.
 */
export async function commitRescore(
  tenantId: string,
  snapshot: UserSnapshot,
  plan: RescorePlan,
  now: string,
  extraUserFields: Record<string, unknown>,
  extra: readonly TransactionAction[],
): Promise<number> {
  const { tables } = getStorage();
  const userId = snapshot.facts.userId;
  const userPartition = partitions.users(tenantId, userId);
  const identity = displayIdentity(snapshot);
  // Only detections whose derived state moved are written (names are joined at read time).
  const derived: TransactionAction[] = [
    ...plan.detections.map(({ id, state }): TransactionAction => [
      'update',
      {
        partitionKey: partitions.facts(tenantId, userId),
        rowKey: keys.detection(userId, id),
        ...state,
        lastUpdatedDateTime: now,
      },
      'Merge',
    ]),
    ...plan.signIns.map(({ id, view }): TransactionAction => [
      'update',
      {
        partitionKey: partitions.facts(tenantId, userId),
        rowKey: keys.signIn(userId, id),
        ...toEntity({ ...view }),
      },
      'Merge',
    ]),
  ];
  const { turnedRisky } = plan.user;
  const userFields = toEntity({
    ...(turnedRisky ? { turnedRiskyKey: keys.turnedRisky(now, userId) } : {}),
    rowType: 'user',
    userId,
    riskLevel: plan.user.riskLevel,
    riskState: plan.user.riskState,
    riskDetail: plan.user.riskDetail,
    riskLastUpdatedDateTime: plan.user.riskLastUpdatedDateTime,
    isProcessing: false,
    ...extraUserFields,
  });
  const userAction: TransactionAction = snapshot.user
    ? [
        'update',
        { partitionKey: userPartition, rowKey: keys.user(userId), ...userFields },
        'Merge',
        { etag: snapshot.user.etag! },
      ]
    : ['create', { partitionKey: userPartition, rowKey: keys.user(userId), ...userFields }];
  const historyRow = (h: RescorePlan['history'][number]): TransactionAction => [
    'upsert',
    {
      partitionKey: userPartition,
      rowKey: keys.history(userId, h.key),
      ...toEntity({
        rowType: 'history',
        userId,
        dateTime: h.dateTime,
        initiatedBy: h.initiatedBy,
        activityDetail: h.activity.detail,
        riskEventTypes: h.activity.riskEventTypes,
        riskLevel: h.riskLevel,
        riskState: h.riskState,
        riskDetail: h.riskDetail,
      }),
    },
    'Replace',
  ];
  // Each newly applied action: its history item and its `appliedAt`, always written together.
  const itemOf = new Map(plan.history.flatMap((h) => (h.actionId ? [[h.actionId, h] as const] : [])));
  const actionGroups = plan.appliedActionIds.map((id): TransactionAction[] => {
    const item = itemOf.get(id);
    return [
      ...(item ? [historyRow(item)] : []),
      ['update', { partitionKey: userPartition, rowKey: keys.action(userId, id), appliedAt: now }, 'Merge'],
    ];
  });
  const final: TransactionAction[] = [
    userAction,
    ...plan.history.filter((h) => h.actionId === undefined).map(historyRow),
    ...extra,
  ];
  if (turnedRisky) {
    // The digest's week index (R-D2): when a user turned risky.
    final.push([
      'upsert',
      {
        partitionKey: userPartition,
        rowKey: keys.turnedRisky(now, userId),
        ...toEntity({ rowType: 'digestUser', userId, ...identity, at: now, riskLevel: plan.user.riskLevel }),
      },
      'Replace',
    ]);
  } else if (plan.user.changed && snapshot.user?.turnedRiskyKey) {
    // The user's latest index row carries its current level, so the digest reads no other row.
    final.push([
      'upsert',
      { partitionKey: userPartition, rowKey: snapshot.user.turnedRiskyKey, riskLevel: plan.user.riskLevel },
      'Merge',
    ]);
  }
  if (plan.user.riskState !== 'none' && plan.user.riskLastUpdatedDateTime) {
    final.push(
      ...projectionWrites(
        userPartition,
        {
          userId,
          ...identity,
          riskLevel: plan.user.riskLevel,
          riskState: plan.user.riskState,
          riskDetail: plan.user.riskDetail,
          riskLastUpdatedDateTime: plan.user.riskLastUpdatedDateTime,
          isProcessing: false,
        },
        projectionPlaceOf(snapshot.previous),
      ),
    );
  }
  // Derived rows (the facts partition) first, idempotent; the locked transaction next. The
  // actions' rows join it while they fit (always, but for a user given dozens of actions at
  // once): submitGroups fills each transaction in order without splitting a group, so the
  // rest follow right after it. A failure there leaves them unapplied, and the retry
  // rewrites the same rows.
  const sent = await submitGroups(
    tables,
    derived.map((row) => [row]),
  );
  return sent + (await submitGroups(tables, [final, ...actionGroups]));
}

import type { TransactionAction } from '@azure/data-tables';
import { toEntity } from './entities';
import { keys } from './keys';

/** The risky-user fields every projection copy carries (riskyUser of Graph, minus `id`). */
export interface RiskyUserProjection {
  userId: string;
  userPrincipalName: string;
  userDisplayName: string;
  riskLevel: string;
  riskState: string;
  riskDetail: string;
  riskLastUpdatedDateTime: string;
  isProcessing: boolean;
}

/** Where a projection is filed: its time and level decide the keys of the ordered and level copies. */
export interface ProjectionPlace {
  riskLastUpdatedDateTime: string;
  riskLevel: string;
}

/** RowKeys of the copies of one risky user: by id, by time ascending and descending, by level. */
export function projectionKeys(userId: string, place: ProjectionPlace): string[] {
  return [
    keys.riskyUser(userId),
    keys.riskyUserAscending(place.riskLastUpdatedDateTime, userId),
    keys.riskyUserDescending(place.riskLastUpdatedDateTime, userId),
    keys.riskyUserByLevel(place.riskLevel, userId),
  ];
}

/**
 * Writes the projection (in the user's partition); copies filed under a previous time or level are removed. Those
 * exist: they were written in the same transaction as the user row that holds that place.
 */
export function projectionWrites(
  partitionKey: string,
  projection: RiskyUserProjection,
  previous: ProjectionPlace | undefined,
): TransactionAction[] {
  const entity = toEntity({
    rowType: 'riskyUser',
    ...projection,
    userPrincipalNameLower: projection.userPrincipalName.toLowerCase(),
  });
  const current = projectionKeys(projection.userId, projection);
  const writes: TransactionAction[] = current.map((rowKey) => [
    'upsert',
    { partitionKey, rowKey, ...entity },
    'Replace',
  ]);
  if (previous) {
    for (const rowKey of projectionKeys(projection.userId, previous)) {
      if (!current.includes(rowKey)) writes.push(['delete', { partitionKey, rowKey }]);
    }
  }
  return writes;
}

/** Marks every copy `isProcessing` (a feedback action was accepted). */
export function projectionProcessing(
  partitionKey: string,
  userId: string,
  place: ProjectionPlace,
): TransactionAction[] {
  return projectionKeys(userId, place).map((rowKey) => [
    'update',
    { partitionKey, rowKey, isProcessing: true },
    'Merge',
  ]);
}

/** Where a stored user's projection is filed, or undefined when it has none (never at risk). */
export function projectionPlaceOf(
  user:
    | {
        riskState?: string | undefined;
        riskLevel?: string | undefined;
        riskLastUpdatedDateTime?: string | undefined;
      }
    | undefined,
): ProjectionPlace | undefined {
  if (!user?.riskState || user.riskState === 'none' || !user.riskLevel || !user.riskLastUpdatedDateTime)
    return undefined;
  return { riskLevel: user.riskLevel, riskLastUpdatedDateTime: user.riskLastUpdatedDateTime };
}

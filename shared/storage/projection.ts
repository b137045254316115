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

/** RowKeys of the three copies of one risky user: by id, by time ascending, by time descending. */
export function projectionKeys(userId: string, riskLastUpdatedDateTime: string): string[] {
  return [
    keys.riskyUser(userId),
    keys.riskyUserAscending(riskLastUpdatedDateTime, userId),
    keys.riskyUserDescending(riskLastUpdatedDateTime, userId),
  ];
}

/**
 * Writes the projection; when the timestamp moved, removes the copies filed under the old
 * one. Those exist: they were written in the same transaction as the user row that holds
 * the old timestamp.
 */
export function projectionWrites(
  tenantId: string,
  projection: RiskyUserProjection,
  previousTime: string | undefined,
): TransactionAction[] {
  const entity = toEntity({
    rowType: 'riskyUser',
    ...projection,
    userPrincipalNameLower: projection.userPrincipalName.toLowerCase(),
  });
  const writes: TransactionAction[] = projectionKeys(
    projection.userId,
    projection.riskLastUpdatedDateTime,
  ).map((rowKey) => ['upsert', { partitionKey: tenantId, rowKey, ...entity }, 'Replace']);
  if (previousTime && previousTime !== projection.riskLastUpdatedDateTime) {
    for (const rowKey of projectionKeys(projection.userId, previousTime).slice(1)) {
      writes.push(['delete', { partitionKey: tenantId, rowKey }]);
    }
  }
  return writes;
}

/** Marks every copy `isProcessing` (a feedback action was accepted). */
export function projectionProcessing(
  tenantId: string,
  userId: string,
  riskLastUpdatedDateTime: string,
): TransactionAction[] {
  return projectionKeys(userId, riskLastUpdatedDateTime).map((rowKey) => [
    'update',
    { partitionKey: tenantId, rowKey, isProcessing: true },
    'Merge',
  ]);
}

import type { TransactionAction } from '@azure/data-tables';
import { z } from 'zod';
import { getStorage } from './clients';
import { toEntity } from './entities';
import { keys, partitions } from './keys';
import { deleteRows, getOptional, queryRanges, replaceIfUnchanged, withoutEtag } from './table';

/**
 * The tenant's alert window (R-E5): one ETag-checked row that says whether a window is
 * open, being sent, or closed, plus one `p|…` row per user waiting in it (in the user's partition).
 */
export const WindowRow = z.object({
  etag: z.string(),
  state: z.enum(['open', 'sending', 'closed']),
  windowId: z.string(),
  openedAt: z.string(),
  closesAt: z.string(),
  claimedAt: z.string().optional(),
  lastSentAt: z.string().optional(),
  notificationKey: z.string().optional(),
});
export type WindowRow = z.infer<typeof WindowRow>;

export const PendingAlertRow = z.object({
  rowKey: z.string(),
  userId: z.string(),
  userPrincipalName: z.string().default(''),
  displayName: z.string().default(''),
  riskLevel: z.enum(['low', 'medium', 'high']),
  qualifiedAt: z.string(),
  activityDateTime: z.string(),
});
export type PendingAlertRow = z.infer<typeof PendingAlertRow>;

export async function readWindow(tenantId: string): Promise<WindowRow | undefined> {
  const row = await getOptional<Record<string, unknown>>(getStorage().tables, tenantId, keys.alertWindow);
  return row ? WindowRow.parse(row) : undefined;
}

/** Replaces the window row if it is still `previous` (or creates it): the row as written, or undefined when someone else changed it first. */
export async function replaceWindow(
  tenantId: string,
  previous: WindowRow | undefined,
  next: Omit<WindowRow, 'etag'>,
): Promise<WindowRow | undefined> {
  const entity = {
    partitionKey: tenantId,
    rowKey: keys.alertWindow,
    rowType: 'alertWindow',
    ...toEntity(withoutEtag(next)),
  };
  const etag = await replaceIfUnchanged(getStorage().tables, entity, previous?.etag);
  return etag ? { ...next, etag } : undefined;
}

/** A pending-alert row for a user (in its user partition), to go into the qualifying rescore's own transaction. */
export function pendingAlertWrite(tenantId: string, row: Omit<PendingAlertRow, 'rowKey'>): TransactionAction {
  return [
    'upsert',
    {
      partitionKey: partitions.users(tenantId, row.userId),
      rowKey: keys.pendingAlert(row.qualifiedAt, row.userId),
      rowType: 'pendingAlert',
      ...toEntity(row),
    },
    'Replace',
  ];
}

/** Every user waiting in the tenant's window, oldest first: one range of each user partition. */
export async function readPendingAlerts(tenantId: string): Promise<PendingAlertRow[]> {
  const rows = await queryRanges<Record<string, unknown>>(
    getStorage().tables,
    partitions.userBuckets(tenantId),
    keys.pendingAlertsRange,
  );
  return rows.map((r) => PendingAlertRow.parse(r));
}

export async function deletePendingAlerts(
  tenantId: string,
  rows: ReadonlyArray<Pick<PendingAlertRow, 'rowKey' | 'userId'>>,
): Promise<void> {
  const byPartition = new Map<string, string[]>();
  for (const row of rows) {
    const pk = partitions.users(tenantId, row.userId);
    byPartition.set(pk, [...(byPartition.get(pk) ?? []), row.rowKey]);
  }
  // The partitions at once (at most 16), each in transactions of 100.
  await Promise.all(
    [...byPartition].map(([partitionKey, rowKeys]) => deleteRows(getStorage().tables, partitionKey, rowKeys)),
  );
}

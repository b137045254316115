import { z } from 'zod';
import { getStorage } from './clients';
import { toEntity } from './entities';
import { invertedTime, keys } from './keys';
import { getOptional } from './table';

/** One entry of the notification log (GET /riskloop/notifications). */
export const Notification = z.object({
  id: z.string(),
  type: z.enum(['usersAtRisk', 'weeklyDigest']),
  dateTime: z.string(),
  recipients: z.array(z.string()),
  users: z.array(
    z.object({
      id: z.string(),
      userPrincipalName: z.string(),
      displayName: z.string(),
      riskLevel: z.string(),
    }),
  ),
  outcome: z.enum(['sending', 'sent', 'written', 'failed', 'noRecipients']),
  reason: z.string().optional(),
  period: z.object({ start: z.string(), end: z.string() }).optional(),
});
export type Notification = z.infer<typeof Notification>;

const NotificationRow = z.object({
  id: z.string(),
  type: z.enum(['usersAtRisk', 'weeklyDigest']),
  dateTime: z.string(),
  recipients: z.string(),
  users: z.string(),
  outcome: Notification.shape.outcome,
  reason: z.string().optional(),
  period: z.string().optional(),
});

export function notificationKey(dateTime: string, id: string): string {
  return keys.notification(invertedTime(dateTime), id);
}

export async function putNotification(tenantId: string, rowKey: string, n: Notification): Promise<void> {
  await getStorage().table.upsertEntity(
    { partitionKey: tenantId, rowKey, rowType: 'notification', ...toEntity(n) },
    'Replace',
  );
}

export async function getNotification(tenantId: string, rowKey: string): Promise<Notification | undefined> {
  const row = await getOptional<Record<string, unknown>>(getStorage().table, tenantId, rowKey);
  return row ? notificationOf(row) : undefined;
}

export function notificationOf(row: Record<string, unknown>): Notification {
  const r = NotificationRow.parse(row);
  return Notification.parse({
    ...r,
    recipients: JSON.parse(r.recipients) as unknown,
    users: JSON.parse(r.users) as unknown,
    period: r.period ? (JSON.parse(r.period) as unknown) : undefined,
  });
}

import type { TransactionAction } from '@azure/data-tables';
import { z } from 'zod';
import { getStorage } from './clients';
import { toEntity } from './entities';
import { invertedTime, keys } from './keys';
import { deleteRows, getOptional, queryRange, submitGroups, upsertRow } from './table';

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
  /** How many pieces the users are stored in: this row's, then `nu|…` rows (absent: one). */
  userPieces: z.number().int().min(1).optional(),
});

/**
 * A string property holds at most 32K UTF-16 characters (64 KiB), and an entity 1 MiB. An
 * alert for a burst names thousands of users, so the users are stored in pieces below that.
 */
const MAX_PIECE_CHARS = 30_000;
/**
 * Characters of users one page of the log holds at most (100 full pieces, about 3 MB of JSON),
 * so a page's answer stays bounded however large the bursts; an entry larger than that (at
 * about 200 characters a user, 15,000 users or more) is a page of its own, so a client following nextLinks always moves on.
 */
export const PAGE_USER_CHARS = 100 * MAX_PIECE_CHARS;

/**
 * The most characters of users a log row's entry can hold, known from the row alone (its own
 * users, and a full piece for each further one), so a page is cut before its pieces are read.
 */
export function userCharsOf(row: Record<string, unknown>): number {
  const pieces = NotificationRow.shape.userPieces.parse(row.userPieces) ?? 1;
  return z.string().parse(row.users).length + (pieces - 1) * MAX_PIECE_CHARS;
}

/** Piece rows per transaction: each may be ~30K characters, and a transaction carries at most 4 MiB. */
const PIECES_PER_TRANSACTION = 20;

/** The users as JSON arrays of whole users, each short enough for one string property. */
export function userPieces(users: Notification['users']): string[] {
  const pieces: string[] = [];
  let current: string[] = [];
  let length = 2;
  for (const user of users) {
    const json = JSON.stringify(user);
    if (current.length > 0 && length + json.length + 1 > MAX_PIECE_CHARS) {
      pieces.push(`[${current.join(',')}]`);
      current = [];
      length = 2;
    }
    current.push(json);
    length += json.length + 1;
  }
  pieces.push(`[${current.join(',')}]`);
  return pieces;
}

/** The log's reason for an email whose worker stopped while SendGrid had it: it may or may not have gone out. */
export const INTERRUPTED_REASON = 'interrupted while sending; not sent again so that nobody gets it twice';

export function notificationKey(dateTime: string, id: string): string {
  return keys.notification(invertedTime(dateTime), id);
}

/**
 * Writes a log entry. Users beyond the first piece go to their own rows first, so the
 * entry (the row the log lists) never names pieces that are not there; rewriting an entry
 * rewrites the same pieces.
 */
export async function putNotification(tenantId: string, rowKey: string, n: Notification): Promise<void> {
  const { tables } = getStorage();
  const [first, ...rest] = userPieces(n.users);
  for (let i = 0; i < rest.length; i += PIECES_PER_TRANSACTION) {
    await submitGroups(tables, [
      rest.slice(i, i + PIECES_PER_TRANSACTION).map((users, j): TransactionAction => [
        'upsert',
        {
          partitionKey: tenantId,
          rowKey: keys.notificationUsers(rowKey, i + j + 2),
          rowType: 'notificationUsers',
          users,
        },
        'Replace',
      ]),
    ]);
  }
  await upsertRow(
    tables,
    {
      partitionKey: tenantId,
      rowKey,
      rowType: 'notification',
      ...toEntity({ ...n, users: undefined }),
      users: first!,
      ...(rest.length > 0 ? { userPieces: rest.length + 1 } : {}),
    },
    'Replace',
  );
}

/**
 * Removes a log entry, its row first and then its piece rows (so the log never names pieces
 * that are not there); an entry already gone is no error.
 */
export async function deleteNotification(tenantId: string, rowKey: string): Promise<void> {
  const { tables } = getStorage();
  await deleteRows(tables, tenantId, [rowKey]);
  const pieces = await queryRange<object>(tables, tenantId, keys.notificationUsersRange(rowKey), undefined, [
    'RowKey',
  ]);
  await deleteRows(
    tables,
    tenantId,
    pieces.map((p) => p.rowKey),
  );
}

export async function getNotification(tenantId: string, rowKey: string): Promise<Notification | undefined> {
  const row = await getOptional<Record<string, unknown>>(getStorage().tables, tenantId, rowKey);
  if (!row) return undefined;
  const n = notificationOf(row);
  if (morePieces(row)) n.users = await allUsers(tenantId, rowKey, n.users);
  return n;
}

/** A log row as an entry, with the users of its own row only: see {@link morePieces}. */
export function notificationOf(row: Record<string, unknown>): Notification {
  const r = NotificationRow.parse(row);
  return Notification.parse({
    ...r,
    recipients: JSON.parse(r.recipients) as unknown,
    users: JSON.parse(r.users) as unknown,
    period: r.period ? (JSON.parse(r.period) as unknown) : undefined,
  });
}

/** Whether a log row's users continue in piece rows. */
export function morePieces(row: Record<string, unknown>): boolean {
  return (NotificationRow.shape.userPieces.parse(row.userPieces) ?? 1) > 1;
}

/** An entry's users: those of its row (`first`), then those of its piece rows, in order. */
export async function allUsers(
  tenantId: string,
  rowKey: string,
  first: Notification['users'],
): Promise<Notification['users']> {
  const rows = await queryRange<{ users: string }>(
    getStorage().tables,
    tenantId,
    keys.notificationUsersRange(rowKey),
  );
  const users = rows.flatMap((r) => Notification.shape.users.parse(JSON.parse(r.users)));
  return [...first, ...users];
}

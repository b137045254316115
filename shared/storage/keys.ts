import { createHash } from 'node:crypto';

/**
 * Key design. Four kinds of partition per tenant, each kind in its own table (or tables,
 * see {@link tableNames}):
 *
 * - `{tenantId}` — the tenant partition: the tenant's own rows (profile, settings, role
 *   assignments, notification log, alert window, digest claims). Small and rarely written.
 * - `{tenantId}|u|{bucket}` — 16 user partitions (bucket = {@link bucketOf} the user id,
 *   one hex digit): everything that must change atomically with a user row (its actions,
 *   history, read projections, digest index row, pending alert). A user's rows are all in
 *   one of them, so a rescore stays one transaction; a tenant's rescores spread over 16
 *   partitions, so its write rate is not bounded by one partition's throughput, and each
 *   partition holds 1/16 of the users (Azurite's cost per operation grows with the
 *   partition). Lists over all users (riskyUsers, the digest's week, pending alerts) read
 *   the same RowKey range of each of the 16 and merge by RowKey: the order is the one a
 *   single partition would give.
 * - `{tenantId}|f|{userId}` — one facts partition per user: the user's detections and
 *   sign-ins with their derived state. The bulk of the data; each user's writes and
 *   reads stay in a small partition, and a tenant's ingestion rate is not bounded by
 *   one partition's throughput.
 * - `{tenantId}|i` — the index partition: id → user pointers (get by id, duplicate
 *   check across users) and the digest's sign-in index, written at ingestion.
 *
 * Facts and pointers are not in the user partitions' transactions; they are written
 * so that a crash at any point leaves nothing a retry cannot complete (see
 * shared/storage/ingest-store.ts), and the rescore derives everything else from them.
 *
 * RowKey prefixes (ids are validated to contain none of `/ \ # ?` or control chars):
 *
 * | partition | RowKey                              | what                                                   |
 * | --------- | ----------------------------------- | ------------------------------------------------------ |
 * | tenant    | `t|profile`                         | tenant: displayName, license (onboarded = exists)      |
 * | tenant    | `t|settings|{name}`                 | usersAtRiskAlert / weeklyDigest settings               |
 * | tenant    | `g|{assignmentId}`                  | directory role assignment                              |
 * | users     | `u|{userId}`                        | user: directory attributes + scoring state; its ETag is the user's lock |
 * | users     | `u|{userId}|a|{actionId}`           | accepted feedback action / remediation event           |
 * | users     | `u|{userId}|z|{time}|{n}`           | riskyUserHistoryItem                                   |
 * | facts     | `u|{userId}|d|{detectionId}`        | risk detection with its derived state                  |
 * | facts     | `u|{userId}|s|{requestId}`          | sign-in with its derived risk                          |
 * | users     | `r|{userId}`                        | risky-user read projection (riskyUsers list = one range per user partition, merged) |
 * | users     | `ra|{time}|{userId}`, `rd|{inverted time}|{userId}` | the same projection ordered by riskLastUpdatedDateTime asc / desc ($orderby without sorting) |
 * | users     | `rl|{level}|{userId}`               | the same projection by level: `riskLevel eq 'high'` reads only the high users |
 * | index     | `i|d|{detectionId}`, `i|s|{requestId}` | id → userId pointers (get by id, duplicate check)   |
 * | index     | `x|s|{createdDateTime}|{requestId}` | digest index: a sign-in with real-time risk (written with its pointer) |
 * | tenant    | `n|{inverted time}|{id}`            | notification log, newest first                         |
 * | tenant    | `nu|{inverted time}|{id}|{piece}`   | the users of a notification too long for its own row (pieces 2, 3, …) |
 * | tenant    | `t|alertWindow`                     | the tenant's alert aggregation window (R-E5), ETag-checked |
 * | users     | `p|{qualified at}|{userId}`         | a user waiting in the open alert window; written with the rescore that qualified it |
 * | users     | `x|u|{time}|{userId}`               | digest index: the user turned atRisk/confirmedCompromised at that time (written by the rescore; the user's latest one carries its current level) |
 * | tenant    | `w|{weekId}`                        | the weekly digest's claim for one week (R-D4), ETag-checked |
 *
 * One more partition, `tenants`, lists every onboarded tenant (RowKey = tenant id), so the
 * digest's fan-out reads one partition instead of scanning the table. The digest reads
 * only the `x|…` rows of its week: its cost follows the week's data, not the history (R-D4).
 *
 * Rescoring one user reads two ranges: `u|{id}` up to (not incl.) `u|{id}|z` of its user
 * partition (the user row and its actions, skipping the ever-growing history) and the
 * user's facts partition.
 */
export const TABLE_NAME = 'riskloop';

/**
 * The tables the partitions live in. A transaction spans one partition, so one table, and a
 * partition is always in the same table ({@link tableOf}): the tenant partitions and the
 * registry in `riskloop`, the facts partitions in `riskloopfacts`, the index partitions in
 * `riskloopindex`, and each of the 16 user partitions of every tenant in the table of its
 * bucket, `riskloopusers0` … `riskloopusersf`. On Azure this changes no cost (a range read is
 * an index seek within its partition); on Azurite, which answers every query with a scan of
 * the whole table, each query scans only the rows of its kind and bucket.
 */
export const tableNames = {
  main: TABLE_NAME,
  facts: `${TABLE_NAME}facts`,
  index: `${TABLE_NAME}index`,
  users: (bucket: string) => `${TABLE_NAME}users${bucket}`,
} as const;

/** Every table of the app, for creating them. */
export function allTableNames(): string[] {
  return [
    tableNames.main,
    tableNames.facts,
    tableNames.index,
    ...Array.from({ length: USER_BUCKETS }, (_, i) => tableNames.users(i.toString(16))),
  ];
}

/** The table that holds a partition (see {@link partitions}). */
export function tableOf(partitionKey: string): string {
  const bar = partitionKey.indexOf('|');
  if (bar < 0) return tableNames.main;
  const rest = partitionKey.slice(bar + 1);
  if (rest.startsWith('f|')) return tableNames.facts;
  if (rest === 'i') return tableNames.index;
  if (/^u\|[0-9a-f]$/.test(rest)) return tableNames.users(rest.charAt(2));
  throw new Error(`no table holds partition '${partitionKey}'`);
}

/** How many user partitions a tenant's users are spread over (see above): one per hex digit. */
export const USER_BUCKETS = 16;

/**
 * The user partition of a user: the first hex digit of the SHA-1 of its id, so any ids
 * (sequential, or differing in one character) spread evenly and every caller agrees.
 */
export function bucketOf(userId: string): string {
  return createHash('sha1').update(userId).digest('hex').charAt(0);
}

/** The partitions of a tenant (see above). Tenant ids are GUIDs, so these never collide. */
export const partitions = {
  tenant: (tenantId: string) => tenantId,
  users: (tenantId: string, userId: string) => `${tenantId}|u|${bucketOf(userId)}`,
  /** Every user partition of the tenant, in key order. */
  userBuckets: (tenantId: string) =>
    Array.from({ length: USER_BUCKETS }, (_, i) => `${tenantId}|u|${i.toString(16)}`),
  facts: (tenantId: string, userId: string) => `${tenantId}|f|${userId}`,
  /** Every facts partition of the tenant: PartitionKey ge `from` and lt `to`. */
  factsRange: (tenantId: string) => ({ from: `${tenantId}|f|`, to: `${tenantId}|f}` }),
  index: (tenantId: string) => `${tenantId}|i`,
} as const;

export const keys = {
  tenantProfile: 't|profile',
  /** The tenant's own rows: profile, settings, alert window. */
  tenantRowsRange: { from: 't|', to: 't}' },
  settings: (name: 'usersAtRiskAlert' | 'weeklyDigest') => `t|settings|${name}`,
  roleAssignment: (id: string) => `g|${id}`,
  roleAssignmentRange: { from: 'g|', to: 'g}' },
  user: (userId: string) => `u|${userId}`,
  action: (userId: string, actionId: string) => `u|${userId}|a|${actionId}`,
  detection: (userId: string, detectionId: string) => `u|${userId}|d|${detectionId}`,
  signIn: (userId: string, requestId: string) => `u|${userId}|s|${requestId}`,
  history: (userId: string, key: string) => `u|${userId}|z|${key}`,
  historyRange: (userId: string) => ({ from: `u|${userId}|z|`, to: `u|${userId}|z}` }),
  /** In the user's partition: the user row and its actions, without history. */
  userStateRange: (userId: string) => ({ from: `u|${userId}`, to: `u|${userId}|z` }),
  /** In a facts partition: the user's detections and sign-ins. */
  userFactsRange: (userId: string) => ({ from: `u|${userId}|`, to: `u|${userId}}` }),
  userDetectionsRange: (userId: string) => ({ from: `u|${userId}|d|`, to: `u|${userId}|d}` }),
  userSignInsRange: (userId: string) => ({ from: `u|${userId}|s|`, to: `u|${userId}|s}` }),
  riskyUser: (userId: string) => `r|${userId}`,
  riskyUsersRange: { from: 'r|', to: 'r}' },
  riskyUserAscending: (time: string, userId: string) => `ra|${time}|${userId}`,
  riskyUserDescending: (time: string, userId: string) => `rd|${invertedTime(time)}|${userId}`,
  riskyUsersAscendingRange: { from: 'ra|', to: 'ra}' },
  riskyUsersDescendingRange: { from: 'rd|', to: 'rd}' },
  riskyUserByLevel: (level: string, userId: string) => `rl|${level}|${userId}`,
  riskyUsersByLevelRange: (level: string) => ({ from: `rl|${level}|`, to: `rl|${level}}` }),
  detectionPointer: (id: string) => `i|d|${id}`,
  signInPointer: (id: string) => `i|s|${id}`,
  notification: (invertedTime: string, id: string) => `n|${invertedTime}|${id}`,
  notificationsRange: { from: 'n|', to: 'n}' },
  /** Piece `n` (from 2) of a notification's users; outside the log's range, so the log never lists it. */
  notificationUsers: (notificationKey: string, piece: number) =>
    `nu${notificationKey.slice(1)}|${String(piece).padStart(4, '0')}`,
  notificationUsersRange: (notificationKey: string) => ({
    from: `nu${notificationKey.slice(1)}|`,
    to: `nu${notificationKey.slice(1)}}`,
  }),
  alertWindow: 't|alertWindow',
  turnedRisky: (at: string, userId: string) => `x|u|${at}|${userId}`,
  turnedRiskyRange: (from: string, to: string) => ({ from: `x|u|${from}`, to: `x|u|${to}` }),
  riskySignIn: (createdDateTime: string, requestId: string) => `x|s|${createdDateTime}|${requestId}`,
  riskySignInsRange: (from: string, to: string) => ({ from: `x|s|${from}`, to: `x|s|${to}` }),
  digestClaim: (weekId: string) => `w|${weekId}`,
  tenantRegistryPartition: 'tenants',
  pendingAlert: (qualifiedAt: string, userId: string) => `p|${qualifiedAt}|${userId}`,
  pendingAlertsRange: { from: 'p|', to: 'p}' },
} as const;

/** Row types, stored in every row's `rowType` column so scans can filter on it. */
export type RowType =
  | 'tenant'
  | 'settings'
  | 'roleAssignment'
  | 'user'
  | 'action'
  | 'detection'
  | 'signIn'
  | 'history'
  | 'riskyUser'
  | 'pointer'
  | 'notification'
  | 'notificationUsers';

/** A fixed-width key that sorts newest first (Table Storage only scans ascending). */
export function invertedTime(iso: string): string {
  return String(8_640_000_000_000_000 - Date.parse(iso)).padStart(16, '0');
}

/**
 * Key design of the one table, `riskloop`.
 *
 * PartitionKey = tenant id. Everything of a tenant lives in one partition so that any
 * set of writes for a tenant (a user's facts, its read projection, the pending alert
 * rows, the pointers) can go into one batch transaction, atomic and ETag-checked.
 *
 * RowKey prefixes (ids are validated to contain none of `/ \ # ?` or control chars):
 *
 * | RowKey                              | what                                                   |
 * | ----------------------------------- | ------------------------------------------------------ |
 * | `t|profile`                         | tenant: displayName, license (onboarded = exists)      |
 * | `t|settings|{name}`                 | usersAtRiskAlert / weeklyDigest settings               |
 * | `g|{assignmentId}`                  | directory role assignment                              |
 * | `u|{userId}`                        | user: directory attributes + scoring state; its ETag is the user's lock |
 * | `u|{userId}|a|{actionId}`           | accepted feedback action / remediation event           |
 * | `u|{userId}|d|{detectionId}`        | risk detection with its derived state                  |
 * | `u|{userId}|s|{requestId}`          | sign-in with its derived risk                          |
 * | `u|{userId}|z|{time}|{n}`           | riskyUserHistoryItem                                   |
 * | `r|{userId}`                        | risky-user read projection (riskyUsers list = one range) |
 * | `ra|{time}|{userId}`, `rd|{inverted time}|{userId}` | the same projection ordered by riskLastUpdatedDateTime asc / desc ($orderby without sorting) |
 * | `rl|{level}|{userId}`               | the same projection by level: `riskLevel eq 'high'` reads only the high users |
 * | `i|d|{detectionId}`, `i|s|{requestId}` | id → userId pointers (get by id, duplicate check)   |
 * | `n|{inverted time}|{id}`            | notification log, newest first                         |
 * | `t|alertWindow`                     | the tenant's alert aggregation window (R-E5), ETag-checked |
 * | `p|{qualified at}|{userId}`         | a user waiting in the open alert window; written with the rescore that qualified it |
 * | `x|u|{time}|{userId}`               | digest index: the user turned atRisk/confirmedCompromised at that time (written by the rescore) |
 * | `x|s|{createdDateTime}|{requestId}` | digest index: a sign-in with real-time risk (written with the sign-in) |
 * | `w|{weekId}`                        | the weekly digest's claim for one week (R-D4), ETag-checked |
 *
 * One more partition, `tenants`, lists every onboarded tenant (RowKey = tenant id), so the
 * digest's fan-out reads one partition instead of scanning the table. The digest reads
 * only the `x|…` rows of its week: its cost follows the week's data, not the history (R-D4).
 *
 * Rescoring one user is ONE range query: `u|{id}` up to (not incl.) `u|{id}|z` returns the
 * user row, actions, detections and sign-ins, and skips the ever-growing history.
 */
export const TABLE_NAME = 'riskloop';

export const keys = {
  tenantProfile: 't|profile',
  settings: (name: 'usersAtRiskAlert' | 'weeklyDigest') => `t|settings|${name}`,
  roleAssignment: (id: string) => `g|${id}`,
  roleAssignmentRange: { from: 'g|', to: 'g}' },
  user: (userId: string) => `u|${userId}`,
  action: (userId: string, actionId: string) => `u|${userId}|a|${actionId}`,
  detection: (userId: string, detectionId: string) => `u|${userId}|d|${detectionId}`,
  signIn: (userId: string, requestId: string) => `u|${userId}|s|${requestId}`,
  history: (userId: string, key: string) => `u|${userId}|z|${key}`,
  historyRange: (userId: string) => ({ from: `u|${userId}|z|`, to: `u|${userId}|z}` }),
  /** The user row and every fact of the user, without history. */
  userFactsRange: (userId: string) => ({ from: `u|${userId}`, to: `u|${userId}|z` }),
  usersRange: { from: 'u|', to: 'u}' },
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
  | 'notification';

/** A fixed-width key that sorts newest first (Table Storage only scans ascending). */
export function invertedTime(iso: string): string {
  return String(8_640_000_000_000_000 - Date.parse(iso)).padStart(16, '0');
}

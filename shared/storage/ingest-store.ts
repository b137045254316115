import { randomUUID, createHash } from 'node:crypto';
import { odata, type TransactionAction } from '@azure/data-tables';
import type { DetectionInput, RemediationInput, SignInInput } from '../domain/ingestion';
import { realtimeDetectionId } from '../domain/ingestion';
import { maxLevel } from '../domain/levels';
import { getStorage } from './clients';
import { keys, partitions } from './keys';
import { toEntity } from './entities';
import { isConflict } from './errors';
import { getMany, getOptional, inParallel, MAX_BATCH, queryRange, submitGroups } from './table';

/**
 * One ingested item: the index rows that claim its id (pointers, in the tenant's index
 * partition) and the rows that store it (in one partition: the user's facts partition, or
 * its user partition for a remediation event). Each part is written in one transaction.
 */
interface InsertGroup {
  userId: string;
  /** The index RowKey claiming the item's id; absent for items whose stored row is itself unique. */
  claimKey?: string;
  claim: TransactionAction[];
  partitionKey: string;
  /**
   * The rows, recorded at `recordedAt`: the time their transaction is sent, not the time the
   * call began. An action accepted while a long call was still storing must not count the
   * rows stored after it as recorded before it (R-S5).
   */
  rows: (recordedAt: string) => TransactionAction[];
  detectionIds: string[];
}

/** A group's rows for their keys and count, which do not depend on the time they are recorded at. */
const rowsOf = (group: InsertGroup): TransactionAction[] => group.rows('');
const rowKeyOf = (action: TransactionAction): string => (action[1] as { rowKey: string }).rowKey;

export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  /** Every user touched by the call with the detections of the call (new or repeated). */
  users: Map<string, string[]>;
}

const create = (partitionKey: string, rowKey: string, values: Record<string, unknown>): TransactionAction => [
  'create',
  { partitionKey, rowKey, ...toEntity(values) },
];

/** A detection's pointer, in the tenant's index partition: claims its id. */
const detectionPointer = (tenantId: string, d: DetectionInput): TransactionAction =>
  create(partitions.index(tenantId), keys.detectionPointer(d.id), { rowType: 'pointer', userId: d.userId });

/** A detection's pointer (index partition) and its row (the user's facts partition); also used for R-F3. */
export function detectionRows(
  tenantId: string,
  d: DetectionInput,
  recordedAt: string,
): { pointer: TransactionAction; row: TransactionAction } {
  return {
    pointer: detectionPointer(tenantId, d),
    row: create(partitions.facts(tenantId, d.userId), keys.detection(d.userId, d.id), {
      rowType: 'detection',
      ...d,
      recordedAt,
      riskState: 'atRisk',
      riskDetail: 'none',
      lastUpdatedDateTime: recordedAt,
    }),
  };
}

/** R-F3's detection for a confirmUserCompromised action, recorded at the same instant (it precedes its action in replay). */
export function adminConfirmedDetection(
  userId: string,
  actionId: string,
  acceptedAt: string,
): DetectionInput {
  return {
    id: `acc-${actionId}`,
    userId,
    riskEventType: 'adminConfirmedUserCompromised',
    activity: 'user',
    detectionTimingType: 'offline',
    riskLevel: 'high',
    activityDateTime: acceptedAt,
    detectedDateTime: acceptedAt,
    source: 'IdentityProtection',
  };
}

/**
 * Writes R-F3's detection unless it is there already: the pointer first, then the row, so
 * a detection row never exists without its pointer (the rescore, which writes a missing
 * detection again, looks only for the row). Each create is idempotent.
 */
export async function writeAdminConfirmedDetection(tenantId: string, d: DetectionInput): Promise<void> {
  const { tables } = getStorage();
  const { pointer, row } = detectionRows(tenantId, d, d.detectedDateTime);
  for (const action of [pointer, row]) {
    try {
      await submitGroups(tables, [[action]]);
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }
}

/** Sign-ins with their real-time detections (R-S1 fixes riskLevelDuringSignIn here). */
export function signInGroups(tenantId: string, items: readonly SignInInput[]): InsertGroup[] {
  return items.map((s) => {
    const duringSignIn = maxLevel(s.riskDetections.map((d) => d.riskLevel));
    const detections: DetectionInput[] = s.riskDetections.map((d, index) => ({
      id: realtimeDetectionId(s.id, index),
      userId: s.userId,
      requestId: s.id,
      riskEventType: d.riskEventType,
      riskLevel: d.riskLevel,
      detectionTimingType: 'realtime',
      activity: 'signin',
      activityDateTime: s.createdDateTime,
      detectedDateTime: s.createdDateTime,
      ipAddress: s.ipAddress,
      location: s.location,
      source: 'IdentityProtection',
    }));
    const { riskDetections: _realtime, ...signIn } = s;
    return {
      userId: s.userId,
      claimKey: keys.signInPointer(s.id),
      detectionIds: detections.map((d) => d.id),
      partitionKey: partitions.facts(tenantId, s.userId),
      rows: (recordedAt) => [
        create(partitions.facts(tenantId, s.userId), keys.signIn(s.userId, s.id), {
          rowType: 'signIn',
          ...signIn,
          riskLevelDuringSignIn: duringSignIn,
          riskEventTypes: s.riskDetections.map((d) => d.riskEventType),
          recordedAt,
          riskLevelAggregated: duringSignIn,
          riskState: duringSignIn === 'none' ? 'none' : 'atRisk',
          riskDetail: 'none',
        }),
        ...detections.map((d) => detectionRows(tenantId, d, recordedAt).row),
      ],
      claim: [
        create(partitions.index(tenantId), keys.signInPointer(s.id), {
          rowType: 'pointer',
          userId: s.userId,
        }),
        ...detections.map((d) => detectionPointer(tenantId, d)),
        // The digest's week index (R-D2, R-D4): only sign-ins with real-time risk.
        ...(duringSignIn === 'none'
          ? []
          : [
              create(partitions.index(tenantId), keys.riskySignIn(s.createdDateTime, s.id), {
                rowType: 'digestSignIn',
                id: s.id,
                userId: s.userId,
                userPrincipalName: s.userPrincipalName,
                userDisplayName: s.userDisplayName,
                createdDateTime: s.createdDateTime,
                riskLevelDuringSignIn: duringSignIn,
                ipAddress: s.ipAddress,
                location: s.location,
              }),
            ]),
      ],
    };
  });
}

export function detectionGroups(tenantId: string, items: readonly DetectionInput[]): InsertGroup[] {
  return items.map((d) => ({
    userId: d.userId,
    claimKey: keys.detectionPointer(d.id),
    claim: [detectionPointer(tenantId, d)],
    partitionKey: partitions.facts(tenantId, d.userId),
    rows: (recordedAt) => [detectionRows(tenantId, d, recordedAt).row],
    detectionIds: [d.id],
  }));
}

/** Remediation events become actions; their id is a hash of the item, so re-sending it is a no-op. */
export function remediationGroups(tenantId: string, items: readonly RemediationInput[]): InsertGroup[] {
  return items.map((r) => {
    const id = createHash('sha256')
      .update([r.userId, r.kind, r.requestId ?? '', r.occurredDateTime].join('|'))
      .digest('hex')
      .slice(0, 32);
    return {
      userId: r.userId,
      claim: [],
      partitionKey: partitions.users(tenantId, r.userId),
      detectionIds: [],
      rows: (recordedAt) => [
        create(partitions.users(tenantId, r.userId), keys.action(r.userId, id), {
          rowType: 'action',
          id,
          kind: r.kind,
          requestId: r.requestId,
          occurredDateTime: r.occurredDateTime,
          acceptedAt: recordedAt,
          initiatedBy: '',
        }),
      ],
    };
  });
}

/**
 * Inserts groups in two steps, each batched in transactions of up to 100 rows:
 *
 * 1. claim: the index rows (pointers) of every group, in the tenant's index partition. A
 *    pointer that already exists for another user means the id is taken: a duplicate.
 * 2. store: the rows themselves, in their own partition, created only if absent. A row
 *    that exists already is a duplicate.
 *
 * A crash between the steps leaves claimed ids without rows; the retry finds the pointer
 * (same user) and stores the rows then, so nothing is lost and nothing is doubled. The
 * common path costs one transaction per 100 pointers plus one per 100 rows of a partition;
 * only a batch that hits a duplicate pays point reads and a retry group by group.
 */
export async function insertGroups(tenantId: string, groups: readonly InsertGroup[]): Promise<IngestOutcome> {
  const users = new Map<string, string[]>();
  for (const g of groups) users.set(g.userId, [...(users.get(g.userId) ?? []), ...g.detectionIds]);

  // Within one call a repeated id is a duplicate too.
  const seen = new Set<string>();
  const unique = groups.filter((g) => {
    const key = g.claimKey ?? `${g.partitionKey}\n${rowKeyOf(rowsOf(g)[0]!)}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  const claimed = await claim(tenantId, unique);
  const byPartition = new Map<string, InsertGroup[]>();
  for (const g of claimed) byPartition.set(g.partitionKey, [...(byPartition.get(g.partitionKey) ?? []), g]);
  const stored = (await inParallel([...byPartition.values()], STORE_CONCURRENCY, storeNew)).reduce(
    (sum, n) => sum + n,
    0,
  );
  return { accepted: stored, duplicates: groups.length - stored, users };
}

/** Partitions written at once by one call: enough to overlap round trips, few enough to be gentle. */
const STORE_CONCURRENCY = 8;

/** Step 1: the groups whose ids are free or already claimed by the same user. */
async function claim(tenantId: string, groups: readonly InsertGroup[]): Promise<InsertGroup[]> {
  const { tables } = getStorage();
  const claiming = groups.filter((g) => g.claim.length > 0);
  const ours = groups.filter((g) => g.claim.length === 0);
  for (const chunk of chunkGroups(claiming, (g) => g.claim.length)) {
    try {
      await submitGroups(
        tables,
        chunk.map((g) => g.claim),
      );
      ours.push(...chunk);
    } catch (error) {
      if (!isConflict(error)) throw error;
      // Some id of the chunk is claimed: claim group by group, and look up the ones taken.
      for (const group of chunk) {
        try {
          await submitGroups(tables, [group.claim]);
          ours.push(group);
        } catch (inner) {
          if (!isConflict(inner)) throw inner;
          const pointer = await getOptional<{ userId?: string }>(
            tables,
            partitions.index(tenantId),
            group.claimKey!,
          );
          if (pointer?.userId === group.userId) ours.push(group);
        }
      }
    }
  }
  return ours;
}

/**
 * Step 2 for one partition: creates the rows of each group, recorded when their transaction
 * is sent (see {@link InsertGroup.rows}); returns how many groups were new.
 */
async function storeNew(groups: readonly InsertGroup[]): Promise<number> {
  const { tables } = getStorage();
  // One time per transaction: every row of it is recorded at once.
  const rowsNow = (chunk: readonly InsertGroup[]): TransactionAction[][] => {
    const recordedAt = new Date().toISOString();
    return chunk.map((group) => group.rows(recordedAt));
  };
  let stored = 0;
  for (const chunk of chunkGroups(groups, (g) => rowsOf(g).length)) {
    try {
      await submitGroups(tables, rowsNow(chunk));
      stored += chunk.length;
    } catch (error) {
      if (!isConflict(error)) throw error;
      for (const group of chunk) {
        try {
          await submitGroups(tables, rowsNow([group]));
          stored += 1;
        } catch (inner) {
          if (!isConflict(inner)) throw inner;
        }
      }
    }
  }
  return stored;
}

function chunkGroups(groups: readonly InsertGroup[], sizeOf: (g: InsertGroup) => number): InsertGroup[][] {
  const chunks: InsertGroup[][] = [];
  let current: InsertGroup[] = [];
  let size = 0;
  for (const g of groups) {
    if (size + sizeOf(g) > MAX_BATCH && current.length > 0) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(g);
    size += sizeOf(g);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The user each sign-in belongs to, by request id, from the sign-ins' pointers; absent: never ingested. */
export async function signInOwners(
  tenantId: string,
  requestIds: readonly string[],
): Promise<Map<string, string>> {
  const pointers = await getMany<{ userId?: string }>(
    getStorage().tables,
    partitions.index(tenantId),
    [...new Set(requestIds)].map((id) => keys.signInPointer(id)),
  );
  const owners = new Map<string, string>();
  for (const id of requestIds) {
    const owner = pointers.get(keys.signInPointer(id))?.userId;
    if (owner !== undefined) owners.set(id, owner);
  }
  return owners;
}

/** Whether any detection of the user names the sign-in (`requestId`): one range read of its facts. */
export async function detectionsNameSignIn(
  tenantId: string,
  userId: string,
  requestId: string,
): Promise<boolean> {
  const rows = await queryRange<object>(
    getStorage().tables,
    partitions.facts(tenantId, userId),
    keys.userDetectionsRange(userId),
    odata`requestId eq ${requestId}`,
    ['RowKey'],
  );
  return rows.length > 0;
}

export const newId = (): string => randomUUID();

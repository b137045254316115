import { randomUUID, createHash } from 'node:crypto';
import type { TransactionAction } from '@azure/data-tables';
import type { DetectionInput, RemediationInput, SignInInput } from '../domain/ingestion';
import { realtimeDetectionId } from '../domain/ingestion';
import { maxLevel } from '../domain/levels';
import { getStorage } from './clients';
import { keys } from './keys';
import { toEntity } from './entities';
import { isConflict } from './errors';
import { getMany, submitGroups } from './table';

/** Rows that are inserted together or not at all, plus the pointer that makes them unique. */
interface InsertGroup {
  userId: string;
  /** RowKey whose existence means "already ingested". */
  uniqueKey: string;
  detectionIds: string[];
  actions: TransactionAction[];
}

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

/** A detection and its duplicate-check pointer, created together; also used for the R-F3 detection. */
export function detectionRows(tenantId: string, d: DetectionInput, recordedAt: string): TransactionAction[] {
  return [
    create(tenantId, keys.detectionPointer(d.id), { rowType: 'pointer', userId: d.userId }),
    create(tenantId, keys.detection(d.userId, d.id), {
      rowType: 'detection',
      ...d,
      recordedAt,
      riskState: 'atRisk',
      riskDetail: 'none',
      lastUpdatedDateTime: recordedAt,
    }),
  ];
}

/** Sign-ins with their real-time detections (R-S1 fixes riskLevelDuringSignIn here). */
export function signInGroups(
  tenantId: string,
  items: readonly SignInInput[],
  recordedAt: string,
): InsertGroup[] {
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
      uniqueKey: keys.signInPointer(s.id),
      detectionIds: detections.map((d) => d.id),
      actions: [
        create(tenantId, keys.signInPointer(s.id), { rowType: 'pointer', userId: s.userId }),
        create(tenantId, keys.signIn(s.userId, s.id), {
          rowType: 'signIn',
          ...signIn,
          riskLevelDuringSignIn: duringSignIn,
          riskEventTypes: s.riskDetections.map((d) => d.riskEventType),
          recordedAt,
          riskLevelAggregated: duringSignIn,
          riskState: duringSignIn === 'none' ? 'none' : 'atRisk',
          riskDetail: 'none',
        }),
        ...detections.flatMap((d) => detectionRows(tenantId, d, recordedAt)),
        // The digest's week index (R-D2, R-D4): only sign-ins with real-time risk.
        ...(duringSignIn === 'none'
          ? []
          : [
              create(tenantId, keys.riskySignIn(s.createdDateTime, s.id), {
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

export function detectionGroups(
  tenantId: string,
  items: readonly DetectionInput[],
  recordedAt: string,
): InsertGroup[] {
  return items.map((d) => ({
    userId: d.userId,
    uniqueKey: keys.detectionPointer(d.id),
    detectionIds: [d.id],
    actions: detectionRows(tenantId, d, recordedAt),
  }));
}

/** Remediation events become actions; their id is a hash of the item, so re-sending it is a no-op. */
export function remediationGroups(
  tenantId: string,
  items: readonly RemediationInput[],
  recordedAt: string,
): InsertGroup[] {
  return items.map((r) => {
    const id = createHash('sha256')
      .update([r.userId, r.kind, r.requestId ?? '', r.occurredDateTime].join('|'))
      .digest('hex')
      .slice(0, 32);
    return {
      userId: r.userId,
      uniqueKey: keys.action(r.userId, id),
      detectionIds: [],
      actions: [
        create(tenantId, keys.action(r.userId, id), {
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
 * Inserts groups with batch transactions. A group whose unique row already exists is a
 * duplicate and is skipped (same id again changes nothing). The common path costs one
 * transaction per 100 rows; only a batch that hits a duplicate pays a lookup and a retry.
 */
export async function insertGroups(tenantId: string, groups: readonly InsertGroup[]): Promise<IngestOutcome> {
  const { table } = getStorage();
  const users = new Map<string, string[]>();
  for (const g of groups) users.set(g.userId, [...(users.get(g.userId) ?? []), ...g.detectionIds]);

  // Within one call a repeated id is a duplicate too.
  const seen = new Set<string>();
  const unique = groups.filter((g) => (seen.has(g.uniqueKey) ? false : (seen.add(g.uniqueKey), true)));
  let duplicates = groups.length - unique.length;
  let accepted = 0;

  for (const chunk of chunkGroups(unique)) {
    try {
      await submitGroups(
        table,
        chunk.map((g) => g.actions),
      );
      accepted += chunk.length;
    } catch (error) {
      if (!isConflict(error)) throw error;
      const existing = await getMany(
        table,
        tenantId,
        chunk.map((g) => g.uniqueKey),
      );
      const fresh = chunk.filter((g) => !existing.has(g.uniqueKey));
      duplicates += chunk.length - fresh.length;
      // A racing writer may insert meanwhile: retry group by group, each conflict a duplicate.
      for (const group of fresh) {
        try {
          await submitGroups(table, [group.actions]);
          accepted += 1;
        } catch (inner) {
          if (!isConflict(inner)) throw inner;
          duplicates += 1;
        }
      }
    }
  }
  return { accepted, duplicates, users };
}

function chunkGroups(groups: readonly InsertGroup[]): InsertGroup[][] {
  const chunks: InsertGroup[][] = [];
  let current: InsertGroup[] = [];
  let size = 0;
  for (const g of groups) {
    if (size + g.actions.length > 100) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(g);
    size += g.actions.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export const newId = (): string => randomUUID();

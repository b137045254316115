import { z } from 'zod';
import type { DigestPeriod, NewRiskyUserEntry, RiskySignInEntry } from '../domain/digest';
import { RiskLevel } from '../domain/levels';
import { getStorage } from './clients';
import { LocationSchema, toEntity } from './entities';
import { keys, partitions } from './keys';
import { getOptional, queryRange, queryRanges, replaceIfUnchanged, withoutEtag } from './table';

const TurnedRiskyRow = z.object({
  userId: z.string(),
  userPrincipalName: z.string().default(''),
  userDisplayName: z.string().default(''),
  at: z.string(),
  riskLevel: RiskLevel,
});

const RiskySignInRow = z.object({
  id: z.string(),
  userPrincipalName: z.string().default(''),
  userDisplayName: z.string().default(''),
  createdDateTime: z.string(),
  riskLevelDuringSignIn: RiskLevel,
  ipAddress: z.string().optional(),
  location: z
    .string()
    .optional()
    .transform((v) => (v ? LocationSchema.parse(JSON.parse(v)) : undefined)),
});

/** The week's index rows only: range queries (one per user partition, one of the index) whose size follows the week's data (R-D4). */
export async function readDigestWeek(
  tenantId: string,
  period: DigestPeriod,
): Promise<{ turnedRisky: NewRiskyUserEntry[]; riskySignIns: RiskySignInEntry[] }> {
  const { tables } = getStorage();
  const [users, signIns] = await Promise.all([
    queryRanges<Record<string, unknown>>(
      tables,
      partitions.userBuckets(tenantId),
      keys.turnedRiskyRange(period.start, period.end),
    ),
    queryRange<Record<string, unknown>>(
      tables,
      partitions.index(tenantId),
      keys.riskySignInsRange(period.start, period.end),
    ),
  ]);
  return {
    turnedRisky: users.map((row) => {
      const r = TurnedRiskyRow.parse(row);
      return {
        userId: r.userId,
        userPrincipalName: r.userPrincipalName,
        displayName: r.userDisplayName,
        at: r.at,
        riskLevel: r.riskLevel,
      };
    }),
    riskySignIns: signIns.map((row) => RiskySignInRow.parse(row)),
  };
}

export const DigestClaim = z.object({
  etag: z.string(),
  state: z.enum(['claimed', 'sending', 'done']),
  runId: z.string(),
  claimedAt: z.string(),
  outcome: z.string().optional(),
});
export type DigestClaim = z.infer<typeof DigestClaim>;

export async function readDigestClaim(tenantId: string, weekId: string): Promise<DigestClaim | undefined> {
  const row = await getOptional<Record<string, unknown>>(
    getStorage().tables,
    tenantId,
    keys.digestClaim(weekId),
  );
  return row ? DigestClaim.parse(row) : undefined;
}

/**
 * Claims or moves the week's slot: creates it when `previous` is undefined, otherwise
 * replaces it only if it is unchanged since read (ETag). The claim as written, or undefined
 * when someone else got there first.
 */
export async function writeDigestClaim(
  tenantId: string,
  weekId: string,
  previous: DigestClaim | undefined,
  next: Omit<DigestClaim, 'etag'>,
): Promise<DigestClaim | undefined> {
  const entity = {
    partitionKey: tenantId,
    rowKey: keys.digestClaim(weekId),
    rowType: 'digestClaim',
    ...toEntity(withoutEtag(next)),
  };
  const etag = await replaceIfUnchanged(getStorage().tables, entity, previous?.etag);
  return etag ? { ...next, etag } : undefined;
}

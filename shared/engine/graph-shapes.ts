import { isPremiumType } from '../domain/catalogue';
import type { DetectionRow, HistoryRow, SignInRow } from '../storage/entities';
import type { RiskyUserProjection } from '../storage/projection';

/**
 * Graph entity shapes (SPEC §7) from stored rows, with licence masking applied (R-L1,
 * R-L2): a premium detection of an unlicensed tenant shows as `generic` and without its
 * address, location and additional info — everywhere, history included.
 */

export function maskedType(riskEventType: string, activity: 'signin' | 'user', licensed: boolean): string {
  return !licensed && isPremiumType(riskEventType, activity) ? 'generic' : riskEventType;
}

function location(value: DetectionRow['location']): Record<string, unknown> | null {
  if (!value) return null;
  return {
    city: value.city ?? null,
    state: value.state ?? null,
    countryOrRegion: value.countryOrRegion ?? null,
    geoCoordinates: null,
  };
}

export function riskyUserOf(p: RiskyUserProjection): Record<string, unknown> {
  return {
    id: p.userId,
    isDeleted: false,
    isProcessing: p.isProcessing,
    riskLastUpdatedDateTime: p.riskLastUpdatedDateTime,
    riskLevel: p.riskLevel,
    riskState: p.riskState,
    riskDetail: p.riskDetail,
    userDisplayName: p.userDisplayName,
    userPrincipalName: p.userPrincipalName,
  };
}

export function riskDetectionOf(row: DetectionRow, licensed: boolean): Record<string, unknown> {
  const masked = !licensed && isPremiumType(row.riskEventType, row.activity);
  return {
    id: row.id,
    requestId: row.requestId ?? null,
    correlationId: null,
    riskEventType: masked ? 'generic' : row.riskEventType,
    riskState: row.riskState,
    riskLevel: row.riskLevel,
    riskDetail: row.riskDetail,
    // A premium detection's source would tell what it was (R-L2).
    source: masked ? 'IdentityProtection' : (row.source ?? 'IdentityProtection'),
    detectionTimingType: row.detectionTimingType,
    activity: row.activity,
    tokenIssuerType: 'AzureAD',
    ipAddress: masked ? null : (row.ipAddress ?? null),
    location: masked ? null : location(row.location),
    activityDateTime: row.activityDateTime,
    detectedDateTime: row.detectedDateTime,
    lastUpdatedDateTime: row.lastUpdatedDateTime,
    userId: row.userId,
    userDisplayName: row.userDisplayName ?? null,
    userPrincipalName: row.userPrincipalName ?? null,
    additionalInfo: masked ? null : (row.additionalInfo ?? null),
  };
}

export function signInOf(row: SignInRow, licensed: boolean): Record<string, unknown> {
  return {
    id: row.id,
    createdDateTime: row.createdDateTime,
    userDisplayName: row.userDisplayName ?? null,
    userPrincipalName: row.userPrincipalName ?? null,
    userId: row.userId,
    ipAddress: row.ipAddress ?? null,
    location: location(row.location),
    status: row.status
      ? {
          errorCode: row.status.errorCode,
          failureReason: row.status.failureReason ?? null,
          additionalDetails: null,
        }
      : null,
    riskDetail: row.riskDetail,
    riskLevelAggregated: row.riskLevelAggregated,
    riskLevelDuringSignIn: row.riskLevelDuringSignIn,
    riskState: row.riskState,
    riskEventTypes_v2: [...new Set(row.riskEventTypes.map((t) => maskedType(t, 'signin', licensed)))],
  };
}

export function historyItemOf(
  row: HistoryRow,
  user: RiskyUserProjection | undefined,
  licensed: boolean,
): Record<string, unknown> {
  return {
    id: row.userId,
    userId: row.userId,
    isDeleted: false,
    isProcessing: false,
    riskLastUpdatedDateTime: row.dateTime,
    riskLevel: row.riskLevel,
    riskState: row.riskState,
    riskDetail: row.riskDetail,
    userDisplayName: user?.userDisplayName ?? null,
    userPrincipalName: user?.userPrincipalName ?? null,
    initiatedBy: row.initiatedBy,
    activity: {
      detail: row.activityDetail,
      // A type could be premium for either activity; masking by both keeps nothing premium visible (R-L2).
      riskEventTypes: [
        ...new Set(
          row.riskEventTypes.map((t) => maskedType(maskedType(t, 'signin', licensed), 'user', licensed)),
        ),
      ],
    },
  };
}

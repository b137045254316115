import { z } from 'zod';
import { DetectionLevel, RiskDetail, RiskLevel, RiskState } from '../domain/levels';
import type { ActionFact, DetectionFact, Location, SignInFact } from '../domain/facts';

/**
 * Row shapes as stored, validated with zod when read back. Nested values (location,
 * status, lists) are stored as JSON strings: Table Storage has no nested types.
 */

const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, ctx) => {
    try {
      const parsed = schema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
    } catch {
      // fall through to the issue below
    }
    ctx.addIssue({ code: 'custom', message: 'stored JSON does not match its schema' });
    return z.NEVER;
  });

const optionalText = z
  .string()
  .optional()
  .nullable()
  .transform((v) => v ?? undefined);

export const LocationSchema = z.object({
  city: z.string().max(200).optional(),
  state: z.string().max(200).optional(),
  countryOrRegion: z.string().max(200).optional(),
});

export const SignInStatusSchema = z.object({
  errorCode: z.number().int(),
  failureReason: z.string().max(1000).optional(),
});

const base = { partitionKey: z.string(), rowKey: z.string(), etag: z.string().optional() };

export const UserRow = z.object({
  ...base,
  userId: z.string(),
  userPrincipalName: optionalText,
  displayName: optionalText,
  mail: optionalText,
  otherMails: json(z.array(z.string())).optional(),
  createdDateTime: optionalText,
  inDirectory: z.boolean().optional(),
  riskLevel: RiskLevel.optional(),
  riskState: RiskState.optional(),
  riskDetail: RiskDetail.optional(),
  riskLastUpdatedDateTime: optionalText,
  isProcessing: z.boolean().optional(),
  lastAlertActivityDateTime: optionalText,
  /** `[activityDateTime, id]` of detections the alert decisions took as new that could still qualify (`rememberDecided`). */
  alertDecided: json(z.array(z.tuple([z.string(), z.string()]))).optional(),
  /** RowKey of the user's latest digest index row (`x|u|…`), whose level the rescore keeps current. */
  turnedRiskyKey: optionalText,
});
export type UserRow = z.infer<typeof UserRow>;

export const DetectionRow = z.object({
  ...base,
  id: z.string(),
  userId: z.string(),
  requestId: optionalText,
  riskEventType: z.string(),
  activity: z.enum(['signin', 'user']),
  detectionTimingType: z.enum(['realtime', 'offline']),
  riskLevel: DetectionLevel,
  activityDateTime: z.string(),
  detectedDateTime: z.string(),
  recordedAt: z.string(),
  source: optionalText,
  ipAddress: optionalText,
  location: json(LocationSchema).optional(),
  additionalInfo: optionalText,
  riskState: RiskState,
  riskDetail: RiskDetail,
  lastUpdatedDateTime: z.string(),
  userPrincipalName: optionalText,
  userDisplayName: optionalText,
});
export type DetectionRow = z.infer<typeof DetectionRow>;

export const SignInRow = z.object({
  ...base,
  id: z.string(),
  userId: z.string(),
  userPrincipalName: optionalText,
  userDisplayName: optionalText,
  createdDateTime: z.string(),
  ipAddress: optionalText,
  location: json(LocationSchema).optional(),
  status: json(SignInStatusSchema).optional(),
  riskLevelDuringSignIn: RiskLevel,
  riskEventTypes: json(z.array(z.string())),
  recordedAt: z.string(),
  riskLevelAggregated: RiskLevel,
  riskState: RiskState,
  riskDetail: RiskDetail,
});
export type SignInRow = z.infer<typeof SignInRow>;

export const ActionRow = z.object({
  ...base,
  id: z.string(),
  kind: z.enum([
    'confirmUserCompromised',
    'dismissUser',
    'confirmUserSafe',
    'confirmSignInSafe',
    'confirmSignInCompromised',
    'dismissSignIn',
    'adminPasswordReset',
    'selfServicePasswordReset',
    'securePasswordChange',
    'mfaPassed',
  ]),
  requestId: optionalText,
  acceptedAt: z.string(),
  initiatedBy: z.string(),
  appliedAt: optionalText,
});

export const HistoryRow = z.object({
  ...base,
  userId: z.string(),
  dateTime: z.string(),
  initiatedBy: z.string(),
  activityDetail: RiskDetail,
  riskEventTypes: json(z.array(z.string())),
  riskLevel: RiskLevel,
  riskState: RiskState,
  riskDetail: RiskDetail,
});
export type HistoryRow = z.infer<typeof HistoryRow>;

export const RiskyUserRow = z.object({
  ...base,
  userId: z.string(),
  userPrincipalName: optionalText,
  userDisplayName: optionalText,
  riskLevel: RiskLevel,
  riskState: RiskState,
  riskDetail: RiskDetail,
  riskLastUpdatedDateTime: optionalText,
  isProcessing: z.boolean(),
});
export type RiskyUserRow = z.infer<typeof RiskyUserRow>;

export const PointerRow = z.object({ ...base, userId: z.string() });

export function detectionFactOf(row: DetectionRow): DetectionFact {
  return {
    id: row.id,
    userId: row.userId,
    requestId: row.requestId,
    riskEventType: row.riskEventType,
    activity: row.activity,
    detectionTimingType: row.detectionTimingType,
    riskLevel: row.riskLevel,
    activityDateTime: row.activityDateTime,
    detectedDateTime: row.detectedDateTime,
    recordedAt: row.recordedAt,
    source: row.source,
    ipAddress: row.ipAddress,
    location: row.location,
    additionalInfo: row.additionalInfo,
  };
}

export function signInFactOf(row: SignInRow): SignInFact {
  return {
    id: row.id,
    userId: row.userId,
    userPrincipalName: row.userPrincipalName,
    userDisplayName: row.userDisplayName,
    createdDateTime: row.createdDateTime,
    ipAddress: row.ipAddress,
    location: row.location,
    status: row.status,
    riskLevelDuringSignIn: row.riskLevelDuringSignIn,
    recordedAt: row.recordedAt,
  };
}

export function actionFactOf(row: z.infer<typeof ActionRow>): ActionFact {
  return {
    id: row.id,
    kind: row.kind,
    requestId: row.requestId,
    acceptedAt: row.acceptedAt,
    initiatedBy: row.initiatedBy,
    appliedAt: row.appliedAt,
  };
}

/** Drops undefined values and JSON-encodes nested ones, as Table Storage needs. */
export function toEntity(values: Record<string, unknown>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    out[key] = typeof value === 'object' ? JSON.stringify(value) : (value as string | number | boolean);
  }
  return out;
}

export type { Location };

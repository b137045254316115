import type { DetectionLevel, RiskDetail, RiskLevel, RiskState } from './levels';
import type { Activity, Timing } from './catalogue';

/**
 * The stored facts of one user. Everything a risky user, sign-in or detection shows
 * is derived from these by {@link scoreUser} (shared/domain/scoring.ts).
 */

export interface Location {
  city?: string | undefined;
  state?: string | undefined;
  countryOrRegion?: string | undefined;
}

export interface DetectionFact {
  id: string;
  userId: string;
  requestId?: string | undefined;
  riskEventType: string;
  activity: Activity;
  detectionTimingType: Timing;
  riskLevel: DetectionLevel;
  activityDateTime: string;
  detectedDateTime: string;
  /** When riskloop stored it: orders it against actions (R-S5). */
  recordedAt: string;
  source?: string | undefined;
  ipAddress?: string | undefined;
  location?: Location | undefined;
  additionalInfo?: string | undefined;
}

export interface SignInFact {
  id: string;
  userId: string;
  userPrincipalName?: string | undefined;
  userDisplayName?: string | undefined;
  createdDateTime: string;
  ipAddress?: string | undefined;
  location?: Location | undefined;
  status?: { errorCode: number; failureReason?: string | undefined } | undefined;
  /** Highest level of its real-time detections, fixed at ingestion (R-S1). */
  riskLevelDuringSignIn: RiskLevel;
  recordedAt: string;
}

export const userActionKinds = ['confirmUserCompromised', 'dismissUser', 'confirmUserSafe'] as const;
export const signInActionKinds = ['confirmSignInSafe', 'confirmSignInCompromised', 'dismissSignIn'] as const;
export const userRemediationKinds = [
  'adminPasswordReset',
  'selfServicePasswordReset',
  'securePasswordChange',
] as const;
export type UserActionKind = (typeof userActionKinds)[number];
export type SignInActionKind = (typeof signInActionKinds)[number];
export type UserRemediationKind = (typeof userRemediationKinds)[number];
export type ActionKind = UserActionKind | SignInActionKind | UserRemediationKind | 'mfaPassed';

/** An administrator's feedback (SPEC §4), as opposed to an ingested remediation event (R-F5). */
export function isAdminAction(kind: ActionKind): boolean {
  return (
    (userActionKinds as readonly string[]).includes(kind) ||
    (signInActionKinds as readonly string[]).includes(kind)
  );
}

/** An accepted feedback action or remediation event, in the order riskloop accepted it. */
export interface ActionFact {
  id: string;
  kind: ActionKind;
  /** For sign-in actions and `mfaPassed`. */
  requestId?: string | undefined;
  acceptedAt: string;
  /** Object id of the administrator, app id of an app-only caller, '' for ingested remediations. */
  initiatedBy: string;
  /** Set once the worker has applied it; until then the user `isProcessing`. */
  appliedAt?: string | undefined;
}

export interface DerivedState {
  riskState: RiskState;
  riskDetail: RiskDetail;
}

export interface UserFacts {
  userId: string;
  detections: readonly DetectionFact[];
  signIns: readonly SignInFact[];
  actions: readonly ActionFact[];
}

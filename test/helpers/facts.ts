import type { ActionFact, ActionKind, DetectionFact, SignInFact } from '../../shared/domain/facts';

/** Test-data builders ("mothers") for the pure core. Times are minutes after a fixed origin. */
export const USER = '00000011-aaaa-4bbb-8ccc-000000000011';
const origin = Date.parse('2026-11-20T05:00:00Z');
export const at = (minute: number): string => new Date(origin + minute * 60_000).toISOString();

export function detection(id: string, minute: number, overrides: Partial<DetectionFact> = {}): DetectionFact {
  return {
    id,
    userId: USER,
    riskEventType: 'leakedCredentials',
    activity: 'user',
    detectionTimingType: 'offline',
    riskLevel: 'medium',
    activityDateTime: at(minute),
    detectedDateTime: at(minute),
    recordedAt: at(minute),
    ...overrides,
  };
}

export function signInDetection(
  id: string,
  requestId: string,
  minute: number,
  overrides: Partial<DetectionFact> = {},
): DetectionFact {
  return detection(id, minute, {
    activity: 'signin',
    riskEventType: 'anonymizedIPAddress',
    detectionTimingType: 'realtime',
    requestId,
    ...overrides,
  });
}

export function signIn(id: string, minute: number, overrides: Partial<SignInFact> = {}): SignInFact {
  return {
    id,
    userId: USER,
    createdDateTime: at(minute),
    riskLevelDuringSignIn: 'none',
    recordedAt: at(minute),
    ...overrides,
  };
}

export function action(
  id: string,
  kind: ActionKind,
  minute: number,
  overrides: Partial<ActionFact> = {},
): ActionFact {
  return { id, kind, acceptedAt: at(minute), initiatedBy: 'admin-oid', ...overrides };
}

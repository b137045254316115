import { isActiveState, isAtLeast, type RiskLevel, type RiskState } from './levels';

/**
 * Whether a rescore makes a user qualify for the "users at risk detected" alert
 * (R-E1…R-E4). Pure: the rescore's outcome in, a decision out.
 */
export interface AlertInput {
  licensed: boolean;
  minRiskLevel: Exclude<RiskLevel, 'none'>;
  /** The user's level after the rescore. */
  userLevel: RiskLevel;
  /** The detections that caused this rescore (the queue message's), with their state after it. */
  newDetections: ReadonlyArray<{ activityDateTime: string; riskState: RiskState }>;
  /** activityDateTime of the detection behind the user's previous alert. */
  lastAlertActivityDateTime: string | undefined;
}

export type AlertDecision =
  | { qualifies: true; activityDateTime: string }
  | { qualifies: false; reason: 'unlicensed' | 'noNewDetection' | 'belowThreshold' | 'notNewer' };

export function decideAlert(input: AlertInput): AlertDecision {
  // R-E1: unlicensed tenants are never emailed (seed 001).
  if (!input.licensed) return { qualifies: false, reason: 'unlicensed' };
  // R-E3 / R-F7: only a new detection can cause an alert; feedback alone never does.
  const active = input.newDetections.filter((d) => isActiveState(d.riskState));
  if (active.length === 0) return { qualifies: false, reason: 'noNewDetection' };
  // R-E2 / R-E3: at or above the tenant's threshold, however the user got there.
  if (!isAtLeast(input.userLevel, input.minRiskLevel)) return { qualifies: false, reason: 'belowThreshold' };
  // R-E4: newer-only, by the time the risky activity happened.
  const newest = active.map((d) => d.activityDateTime).reduce((a, b) => (a > b ? a : b));
  if (input.lastAlertActivityDateTime !== undefined && newest <= input.lastAlertActivityDateTime) {
    return { qualifies: false, reason: 'notNewer' };
  }
  return { qualifies: true, activityDateTime: newest };
}

/**
 * When a window closes (R-E5): its length after it opened — when the first user waiting in
 * it qualified —, and never sooner than its length after the previous email was accepted,
 * so a tenant gets at most one email per window length.
 */
export function windowClosesAt(openedAt: Date, lastSentAt: string | undefined, lengthMs: number): Date {
  const afterLast = lastSentAt === undefined ? 0 : Date.parse(lastSentAt) + lengthMs;
  return new Date(Math.max(openedAt.getTime() + lengthMs, afterLast));
}

/**
 * Whole seconds to hide a queue message that is due at `due` (a queue's visibility
 * timeout counts whole seconds): rounded down, so the message arrives at most a second
 * early (the sender waits out the rest) rather than up to a second late.
 */
export function visibilityDelaySeconds(due: Date, now: Date): number {
  return Math.max(0, Math.floor((due.getTime() - now.getTime()) / 1000));
}

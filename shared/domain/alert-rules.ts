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

/** A detection an alert decision has already taken as new: its activity time and id. */
export type DecidedDetection = readonly [activityDateTime: string, id: string];

/** How many of them a user row keeps (at most ~17 KB with the longest ids). */
export const MAX_DECIDED_DETECTIONS = 100;

/**
 * The detections a user's alert decisions have taken as new that could still qualify: those
 * whose activity is later than the last alert's (R-E4 rules out the rest for good). A source
 * that sends such a detection again (same id) sends nothing new (R-E3, R-X3), but the
 * ingestion still queues it (the first call may have stored it and crashed before queueing),
 * so the rescore needs this list to tell "scored before" from "never scored". Kept in
 * (activity, id) order; past {@link MAX_DECIDED_DETECTIONS} the oldest activities drop off.
 */
export function rememberDecided(
  before: readonly DecidedDetection[],
  taken: readonly DecidedDetection[],
  lastAlertActivityDateTime: string | undefined,
): DecidedDetection[] {
  const byId = new Map<string, DecidedDetection>();
  for (const entry of [...before, ...taken]) byId.set(entry[1], entry);
  return (
    [...byId.values()]
      .filter(([activity]) => lastAlertActivityDateTime === undefined || activity > lastAlertActivityDateTime)
      // Ids are unique here, so two entries never compare equal.
      .sort(([a, aId], [b, bId]) => (a !== b ? (a < b ? -1 : 1) : aId < bId ? -1 : 1))
      .slice(-MAX_DECIDED_DETECTIONS)
  );
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

import { z } from 'zod';

export const riskLevels = ['none', 'low', 'medium', 'high'] as const;
export const RiskLevel = z.enum(riskLevels);
export type RiskLevel = z.infer<typeof RiskLevel>;

/** Levels a detection can carry (a detection is never `none`). */
export const DetectionLevel = z.enum(['low', 'medium', 'high']);
export type DetectionLevel = z.infer<typeof DetectionLevel>;

export const riskStates = [
  'none',
  'atRisk',
  'confirmedSafe',
  'remediated',
  'dismissed',
  'confirmedCompromised',
] as const;
export const RiskState = z.enum(riskStates);
export type RiskState = z.infer<typeof RiskState>;

export const riskDetails = [
  'none',
  'adminConfirmedSigninSafe',
  'adminConfirmedSigninCompromised',
  'adminConfirmedUserCompromised',
  'adminConfirmedAccountSafe',
  'adminDismissedAllRiskForUser',
  'adminDismissedRiskForSignIn',
  'adminGeneratedTemporaryPassword',
  'userPerformedSecuredPasswordReset',
  'userPerformedSecuredPasswordChange',
  'userPassedMFADrivenByRiskBasedPolicy',
  'hidden',
] as const;
export const RiskDetail = z.enum(riskDetails);
export type RiskDetail = z.infer<typeof RiskDetail>;

const rank: Record<RiskLevel, number> = { none: 0, low: 1, medium: 2, high: 3 };

export function levelRank(level: RiskLevel): number {
  return rank[level];
}

export function maxLevel(levels: Iterable<RiskLevel>): RiskLevel {
  let best: RiskLevel = 'none';
  for (const level of levels) if (rank[level] > rank[best]) best = level;
  return best;
}

export function isAtLeast(level: RiskLevel, threshold: RiskLevel): boolean {
  return rank[level] >= rank[threshold];
}

/** States that still carry risk (SPEC §1 "active detection"). */
export function isActiveState(state: RiskState): boolean {
  return state === 'atRisk' || state === 'confirmedCompromised';
}

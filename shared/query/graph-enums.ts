import { riskLevels } from '../domain/levels';

/**
 * Members of the Graph enums the list routes filter on. The order of each list is the order
 * `gt`/`ge`/`lt`/`le` use: riskLevel puts the real levels first as SPEC §1 ranks them
 * (none < low < medium < high), the others keep Graph's declaration order.
 */
export const riskLevelValues = [...riskLevels, 'hidden', 'unknownFutureValue'] as const;

// Graph declares riskState in this order (it differs from the domain's list, which reads as a lifecycle).
export const riskStateValues = [
  'none',
  'confirmedSafe',
  'remediated',
  'dismissed',
  'atRisk',
  'confirmedCompromised',
  'unknownFutureValue',
] as const;

/**
 * Every member Graph v1.0 declares, in its order: a filter on a value riskloop never
 * produces (`aiConfirmedSigninSafe`, …) matches nothing rather than failing.
 */
export const riskDetailValues = [
  'none',
  'adminGeneratedTemporaryPassword',
  'userPerformedSecuredPasswordChange',
  'userPerformedSecuredPasswordReset',
  'adminConfirmedSigninSafe',
  'aiConfirmedSigninSafe',
  'userPassedMFADrivenByRiskBasedPolicy',
  'adminDismissedAllRiskForUser',
  'adminConfirmedSigninCompromised',
  'hidden',
  'adminConfirmedUserCompromised',
  'unknownFutureValue',
  'm365DAdminDismissedDetection',
  'adminConfirmedServicePrincipalCompromised',
  'adminDismissedAllRiskForServicePrincipal',
  'userChangedPasswordOnPremises',
  'adminDismissedRiskForSignIn',
  'adminConfirmedAccountSafe',
] as const;

export const riskDetectionTimingTypeValues = [
  'notDefined',
  'realtime',
  'nearRealtime',
  'offline',
  'unknownFutureValue',
] as const;

export const activityTypeValues = ['signin', 'user', 'servicePrincipal', 'unknownFutureValue'] as const;

import { riskDetails, riskLevels } from '../domain/levels';

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

export const riskDetailValues = [...riskDetails, 'unknownFutureValue'] as const;

export const riskDetectionTimingTypeValues = [
  'notDefined',
  'realtime',
  'nearRealtime',
  'offline',
  'unknownFutureValue',
] as const;

export const activityTypeValues = ['signin', 'user', 'servicePrincipal', 'unknownFutureValue'] as const;

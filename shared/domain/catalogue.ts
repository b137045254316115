/**
 * The detection catalogue (SPEC §2, seed 003) as one table. Ingestion, masking and
 * scoring read it; nothing else decides what a riskEventType is.
 */
export type Activity = 'signin' | 'user';
export type Timing = 'realtime' | 'offline';
export type Tier = 'premium' | 'nonpremium';

export interface CatalogueEntry {
  readonly riskEventType: string;
  readonly activity: Activity;
  readonly timings: readonly Timing[];
  readonly tier: Tier;
  /** Some types always carry one level (seed 003). */
  readonly fixedLevel?: 'medium' | 'high';
  /** Created by riskloop itself (R-F3); never accepted from ingestion. */
  readonly systemOnly?: boolean;
}

const both: readonly Timing[] = ['realtime', 'offline'];
const offline: readonly Timing[] = ['offline'];
const realtime: readonly Timing[] = ['realtime'];

const signin = (riskEventType: string, timings: readonly Timing[], tier: Tier): CatalogueEntry => ({
  riskEventType,
  activity: 'signin',
  timings,
  tier,
});
const user = (
  riskEventType: string,
  timings: readonly Timing[],
  tier: Tier,
  extra: Partial<CatalogueEntry> = {},
): CatalogueEntry => ({ riskEventType, activity: 'user', timings, tier, ...extra });

export const catalogue: readonly CatalogueEntry[] = [
  signin('riskyIPAddress', offline, 'premium'),
  signin('generic', both, 'nonpremium'),
  signin('anomalousToken', both, 'premium'),
  signin('anonymizedIPAddress', realtime, 'nonpremium'),
  signin('unlikelyTravel', offline, 'premium'),
  signin('mcasImpossibleTravel', offline, 'premium'),
  signin('maliciousIPAddress', offline, 'premium'),
  signin('mcasFinSuspiciousFileAccess', offline, 'premium'),
  signin('investigationsThreatIntelligence', both, 'nonpremium'),
  signin('newCountry', offline, 'premium'),
  signin('passwordSpray', both, 'premium'),
  signin('suspiciousBrowser', offline, 'premium'),
  signin('suspiciousInboxForwarding', offline, 'premium'),
  signin('mcasSuspiciousInboxManipulationRules', offline, 'premium'),
  signin('tokenIssuerAnomaly', offline, 'premium'),
  signin('unfamiliarFeatures', realtime, 'premium'),
  signin('nationStateIP', realtime, 'premium'),
  user('generic', both, 'nonpremium'),
  user('adminConfirmedUserCompromised', offline, 'nonpremium', { systemOnly: true, fixedLevel: 'high' }),
  user('anomalousToken', both, 'premium'),
  user('anomalousUserActivity', offline, 'premium'),
  user('attackerinTheMiddle', offline, 'premium'),
  user('leakedCredentials', offline, 'nonpremium'),
  user('investigationsThreatIntelligence', both, 'nonpremium'),
  user('attemptedPrtAccess', offline, 'premium', { fixedLevel: 'high' }),
  user('suspiciousAPITraffic', offline, 'premium'),
  user('suspiciousSendingPatterns', offline, 'premium', { fixedLevel: 'medium' }),
  user('userReportedSuspiciousActivity', offline, 'premium'),
];

const byKey = new Map(catalogue.map((entry) => [`${entry.activity}/${entry.riskEventType}`, entry]));

export function findCatalogueEntry(activity: Activity, riskEventType: string): CatalogueEntry | undefined {
  return byKey.get(`${activity}/${riskEventType}`);
}

/** True when the catalogue lists the type as premium for this activity; used to hide it from unlicensed tenants (R-L2). */
export function isPremiumType(riskEventType: string, activity: Activity): boolean {
  return findCatalogueEntry(activity, riskEventType)?.tier === 'premium';
}

/**
 * Why an ingested detection does not fit the catalogue, or undefined when it does (R-X1).
 * `systemOnly` types are refused: only riskloop itself creates them.
 */
export function catalogueViolation(d: {
  riskEventType: string;
  activity: Activity;
  detectionTimingType: Timing;
  riskLevel: string;
}): { field: 'riskEventType' | 'detectionTimingType' | 'riskLevel'; message: string } | undefined {
  const entry = findCatalogueEntry(d.activity, d.riskEventType);
  if (!entry || entry.systemOnly) {
    return {
      field: 'riskEventType',
      message: `riskEventType '${d.riskEventType}' is not a known ${d.activity} detection`,
    };
  }
  if (!entry.timings.includes(d.detectionTimingType)) {
    return {
      field: 'detectionTimingType',
      message: `detectionTimingType '${d.detectionTimingType}' is not allowed for ${d.activity} detection '${d.riskEventType}' (allowed: ${entry.timings.join(', ')})`,
    };
  }
  if (entry.fixedLevel && d.riskLevel !== entry.fixedLevel) {
    return {
      field: 'riskLevel',
      message: `riskLevel of '${d.riskEventType}' is always '${entry.fixedLevel}'`,
    };
  }
  return undefined;
}

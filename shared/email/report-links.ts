import { safeHttpUrl } from './escape';

/**
 * The Entra admin center's Identity Protection blade; the same default as
 * `REPORT_BASE_URL` in shared/config, repeated here so templates stay pure and a
 * refused (non-http) base still yields a working link.
 */
export const DEFAULT_REPORT_BASE_URL =
  'https://entra.microsoft.com/#view/Microsoft_AAD_IAM/IdentityProtectionMenuBlade';

/** Report paths below the base, in one place so every email links the same way. */
export const REPORT_PATHS = {
  riskyUsers: '/~/RiskyUsers',
  riskySignIns: '/~/RiskySignIns',
  riskDetections: '/~/RiskDetections',
} as const;

/** The reports emails link to. */
export type ReportName = keyof typeof REPORT_PATHS;
/** One absolute URL per report. */
export type ReportLinks = Record<ReportName, string>;

/**
 * Absolute links to the reports under `reportBaseUrl`. A base that is not http(s)
 * (say `javascript:`) is replaced by {@link DEFAULT_REPORT_BASE_URL}.
 */
export function reportLinks(reportBaseUrl: string): ReportLinks {
  const base = safeHttpUrl(reportBaseUrl, DEFAULT_REPORT_BASE_URL).replace(/\/+$/, '');
  return {
    riskyUsers: `${base}${REPORT_PATHS.riskyUsers}`,
    riskySignIns: `${base}${REPORT_PATHS.riskySignIns}`,
    riskDetections: `${base}${REPORT_PATHS.riskDetections}`,
  };
}

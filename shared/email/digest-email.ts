import type { RiskLevel } from '../domain/levels';
import type { Location } from '../domain/facts';
import type { RenderedEmail } from './rendered-email';
import { html, singleLine, type SafeHtml } from './escape';
import {
  countOf,
  formatUtcDateTime,
  levelLabel,
  MAX_LISTED_ENTRIES,
  userEntry,
  userLine,
  type NamedUser,
} from './format';
import {
  button,
  emailDocument,
  entryTable,
  heading1,
  heading2,
  link,
  paragraph,
  statTiles,
  strong,
} from './layout';
import { reportLinks } from './report-links';

/** A user who became risky during the week (R-D2). */
export interface DigestRiskyUser extends NamedUser {
  /** The user's current level (R-D2); `none` if the risk was dismissed since. */
  riskLevel: RiskLevel;
}

/** A sign-in flagged risky in real time during the week (R-D2). */
export interface DigestRiskySignIn {
  userDisplayName: string;
  userPrincipalName: string;
  createdDateTime: string;
  riskLevelDuringSignIn: RiskLevel;
  ipAddress?: string | undefined;
  /** Graph's `signIn.location` shape, or already formatted text. */
  location?: Location | string | undefined;
}

/** Everything {@link renderWeeklyDigestEmail} needs; counts are exact, lists may be partial. */
export interface WeeklyDigestEmailInput {
  tenantDisplayName: string;
  /** Start of the covered week (ISO 8601, inclusive). */
  weekStart: string;
  /** End of the covered week (ISO 8601, exclusive): the run time. */
  weekEnd: string;
  /** `count` is exact; `first` is the first entries, possibly fewer than `count`. */
  newRiskyUsers: { count: number; first: readonly DigestRiskyUser[] };
  newRiskySignIns: { count: number; first: readonly DigestRiskySignIn[] };
  /** `REPORT_BASE_URL`; a non-http(s) value is replaced by the default. */
  reportBaseUrl: string;
}

/**
 * The weekly digest (R-D1, R-D2): subject with "weekly digest" and the tenant; the
 * week's new risky users and new risky sign-ins as counts and first entries; links to
 * the risky users, risky sign-ins and risk detections reports. A quiet week says so.
 * Pure: same input, same output.
 */
export function renderWeeklyDigestEmail(input: WeeklyDigestEmailInput): RenderedEmail {
  const tenant = singleLine(input.tenantDisplayName, 256);
  const links = reportLinks(input.reportBaseUrl);
  const period = `${formatUtcDateTime(input.weekStart)} to ${formatUtcDateTime(input.weekEnd)}`;
  const userCount = nonNegative(input.newRiskyUsers.count);
  const signInCount = nonNegative(input.newRiskySignIns.count);
  const users = input.newRiskyUsers.first.slice(0, Math.min(MAX_LISTED_ENTRIES, userCount));
  const signIns = input.newRiskySignIns.first.slice(0, Math.min(MAX_LISTED_ENTRIES, signInCount));
  const usersText = countOf(userCount, 'new risky user', 'new risky users');
  const signInsText = countOf(signInCount, 'new risky sign-in', 'new risky sign-ins');
  const quiet = userCount === 0 && signInCount === 0;

  const subject = quiet
    ? `Your weekly digest for ${singleLine(input.tenantDisplayName, 80)}: no new risky users or sign-ins`
    : `Your weekly digest for ${singleLine(input.tenantDisplayName, 80)}: ${usersText}, ${signInsText}`;

  const userRows = users.map((u) => ({ ...userEntry(u), level: u.riskLevel }));
  const signInRows = signIns.map((s) => ({
    title: singleLine(s.userDisplayName, 256) || singleLine(s.userPrincipalName, 256),
    subtitle: singleLine(s.userPrincipalName, 256),
    details: [formatUtcDateTime(s.createdDateTime), whereFrom(s)],
    level: s.riskLevelDuringSignIn,
  }));

  const content = html`${heading1('Weekly digest')}
  ${paragraph(html`Identity risk in ${strong(tenant)} from ${period}.`)}
  ${statTiles([
    { value: userCount, label: 'New risky users' },
    { value: signInCount, label: 'New risky sign-ins' },
  ])}
  ${quiet ? paragraph(html`Nothing new needed attention this week: no user became risky and no sign-in was flagged as risky in real time.`) : ''}
  ${heading2('New risky users')}
  ${
    userRows.length > 0
      ? html`${entryTable(shownCaption(userRows.length, userCount, 'user', 'users', 'current level'), userRows, 'Level now')}
        ${moreLine(userCount - userRows.length, 'user', 'users', links.riskyUsers, 'risky users report')}`
      : paragraph(html`No new risky users this week.`)
  }
  ${heading2('New risky sign-ins')}
  ${
    signInRows.length > 0
      ? html`${entryTable(shownCaption(signInRows.length, signInCount, 'sign-in', 'sign-ins', 'risk during sign-in'), signInRows, 'Risk')}
        ${moreLine(signInCount - signInRows.length, 'sign-in', 'sign-ins', links.riskySignIns, 'risky sign-ins report')}`
      : paragraph(html`No new risky sign-ins this week.`)
  }
  ${heading2('Reports')} ${button(links.riskyUsers, 'Review risky users')}
  ${paragraph(html`${link(links.riskyUsers, 'Risky users')} &middot; ${link(links.riskySignIns, 'Risky sign-ins')} &middot; ${link(links.riskDetections, 'Risk detections')}`)}`;

  const footer = html`You receive this digest for ${tenant} because it is sent to the tenant's security
  administrators or an administrator added your address. Administrators can turn the digest off or change its
  recipients in the tenant's digest settings. New risky users are users who became at risk or confirmed
  compromised during the week, shown with their current level; new risky sign-ins are sign-ins flagged as
  risky in real time.`;

  const htmlPart = emailDocument({
    title: subject,
    preheader: quiet ? `A quiet week in ${tenant}.` : `${usersText} and ${signInsText} in ${tenant}.`,
    accent: 'info',
    content,
    footer,
  });

  const lines = [
    `Weekly digest for ${tenant}`,
    `${period}`,
    '',
    ...(quiet ? ['Nothing new needed attention this week.', ''] : []),
    `New risky users: ${userCount}`,
    ...(users.length > 0
      ? users.map((u) => `- ${userLine(u)} - level now: ${levelLabel(u.riskLevel)}`)
      : ['No new risky users this week.']),
    ...moreText(userCount - users.length, 'user', 'users'),
    '',
    `New risky sign-ins: ${signInCount}`,
    ...(signIns.length > 0
      ? signIns.map(
          (s) =>
            `- ${singleLine(s.userDisplayName, 256) || singleLine(s.userPrincipalName, 256)} <${singleLine(s.userPrincipalName, 256)}> - risk: ${levelLabel(s.riskLevelDuringSignIn)} - ${[formatUtcDateTime(s.createdDateTime), whereFrom(s)].filter((p) => p !== '').join(' - ')}`,
        )
      : ['No new risky sign-ins this week.']),
    ...moreText(signInCount - signIns.length, 'sign-in', 'sign-ins'),
    '',
    `Risky users: ${links.riskyUsers}`,
    `Risky sign-ins: ${links.riskySignIns}`,
    `Risk detections: ${links.riskDetections}`,
  ];

  return { subject, html: htmlPart, text: `${lines.join('\n')}\n` };
}

// Counts come from storage queries; a negative or fractional one is a bug upstream, but
// the email should still read sensibly.
function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function shownCaption(shown: number, total: number, one: string, many: string, levelMeaning: string): string {
  const what =
    shown < total
      ? `The first ${shown} of ${total} ${many}`
      : `${total === 1 ? `The ${one}` : `All ${total} ${many}`}`;
  return `${what}, with the ${levelMeaning}`;
}

function moreLine(more: number, one: string, many: string, href: string, reportName: string): SafeHtml | '' {
  if (more <= 0) return '';
  return paragraph(
    html`&hellip;and ${strong(countOf(more, `more ${one}`, `more ${many}`))}. See all of them in the
    ${link(href, reportName)}.`,
  );
}

function moreText(more: number, one: string, many: string): string[] {
  return more > 0 ? [`...and ${countOf(more, `more ${one}`, `more ${many}`)}.`] : [];
}

/** "203.0.113.7 · Lisbon, PT", or whichever of the two is known. */
function whereFrom(s: DigestRiskySignIn): string {
  const place = typeof s.location === 'string' ? s.location : formatLocation(s.location);
  return [singleLine(s.ipAddress ?? '', 64), singleLine(place, 120)]
    .filter((part) => part !== '')
    .join(' · ');
}

function formatLocation(location: Location | undefined): string {
  if (!location) return '';
  return [location.city, location.state, location.countryOrRegion]
    .filter((p) => p && p.trim() !== '')
    .join(', ');
}

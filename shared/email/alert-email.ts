import { html, singleLine } from './escape';
import {
  byLevelDescending,
  countOf,
  formatUtcDateTime,
  levelBreakdown,
  levelLabel,
  MAX_LISTED_ENTRIES,
  userEntry,
  userLine,
  type NamedUser,
} from './format';
import { button, emailDocument, entryTable, heading1, link, paragraph, strong } from './layout';
import { reportLinks } from './report-links';
import type { RenderedEmail } from './rendered-email';

export type { RenderedEmail } from './rendered-email';

/** One user named in a "users at risk detected" alert. */
export interface AlertUser extends NamedUser {
  riskLevel: 'low' | 'medium' | 'high';
}

/** Everything {@link renderUsersAtRiskEmail} needs. */
export interface UsersAtRiskEmailInput {
  /** Shown as given (escaped); the tenant's display name, not its id. */
  tenantDisplayName: string;
  /** Everyone who qualified in the alert window (R-E5); may be longer than the listed part. */
  users: readonly AlertUser[];
  /** `REPORT_BASE_URL`; a non-http(s) value is replaced by the default. */
  reportBaseUrl: string;
  /** When the alert window closed (ISO 8601). */
  windowEnd: string;
}

/**
 * The "users at risk detected" alert (R-E7): the subject says "at risk detected", the
 * tenant and how many users; the body names every user (display name, UPN, level) up
 * to {@link MAX_LISTED_ENTRIES}, highest level first, says how many more there are,
 * and links to the risky-users report. Pure: same input, same output.
 */
export function renderUsersAtRiskEmail(input: UsersAtRiskEmailInput): RenderedEmail {
  const tenant = singleLine(input.tenantDisplayName, 256);
  const total = input.users.length;
  const usersText = countOf(total, 'user', 'users');
  const sorted = byLevelDescending(input.users, (u) => u.riskLevel);
  const listed = sorted.slice(0, MAX_LISTED_ENTRIES);
  const more = total - listed.length;
  const breakdown = levelBreakdown(input.users.map((u) => u.riskLevel));
  const asOf = formatUtcDateTime(input.windowEnd);
  const reportUrl = reportLinks(input.reportBaseUrl).riskyUsers;

  // The subject is a header: one line, and a very long tenant name must not push the
  // count out of what a mail list shows.
  const subject = `Users at risk detected: ${usersText} in ${singleLine(input.tenantDisplayName, 80)}`;

  const caption =
    more > 0
      ? `The ${listed.length} highest-risk of ${usersText}, highest level first`
      : `${total === 1 ? 'The user' : `All ${usersText}`}, highest level first`;

  const content = html`${heading1('Users at risk detected')}
  ${paragraph(html`riskloop found ${strong(usersText)} at risk in ${strong(tenant)}${breakdown ? ` (${breakdown})` : ''}, as of ${asOf}.`)}
  ${paragraph(html`Review each user and act on the risk: confirm the user compromised, dismiss the risk, or require a secure password reset.`)}
  ${button(reportUrl, 'Review risky users')}
  ${entryTable(
    caption,
    listed.map((u) => ({ ...userEntry(u), level: u.riskLevel })),
  )}
  ${more > 0 ? paragraph(html`&hellip;and ${strong(countOf(more, 'more user', 'more users'))} not listed here. The risky users report shows all of them.`) : ''}
  ${paragraph(html`The risky users report: ${link(reportUrl, reportUrl)}`, { muted: true })}`;

  const footer = html`You receive this alert because you hold the Global Administrator, Security Administrator
  or Security Reader role in ${tenant}, or an administrator added your address. Administrators choose the
  recipients and the minimum risk level in the tenant's alert settings.`;

  const htmlPart = emailDocument({
    title: subject,
    preheader: `${usersText} at risk in ${tenant}${breakdown ? `: ${breakdown}` : ''}.`,
    accent: 'alert',
    content,
    footer,
  });

  const lines = [
    'Users at risk detected',
    '',
    `riskloop found ${usersText} at risk in ${tenant}${breakdown ? ` (${breakdown})` : ''}, as of ${asOf}.`,
    'Review each user and act on the risk: confirm the user compromised, dismiss the risk, or require a secure password reset.',
    `Review risky users: ${reportUrl}`,
    '',
    ...listed.map((u) => `- ${userLine(u)} - risk level: ${levelLabel(u.riskLevel)}`),
    ...(more > 0 ? [`...and ${countOf(more, 'more user', 'more users')} not listed here.`] : []),
    '',
    `The risky users report: ${reportUrl}`,
    '',
    '--',
    `You receive this alert because you hold the Global Administrator, Security Administrator or Security Reader role in ${tenant}, or an administrator added your address.`,
  ];

  return { subject, html: htmlPart, text: `${lines.join('\n')}\n` };
}

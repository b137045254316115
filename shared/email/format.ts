import type { RiskLevel } from '../domain/levels';
import { singleLine } from './escape';

/** How many entries an email lists before it says "and N more"; keeps emails small. */
export const MAX_LISTED_ENTRIES = 50;

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * "1 May 2024, 10:00 UTC". Built by hand rather than with Intl so the text does not
 * depend on the host's locale data; an unparseable value is shown as given.
 */
export function formatUtcDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return singleLine(iso, 40);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCDate()} ${months[d.getUTCMonth()] ?? ''} ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

/** "1 user", "3 users". */
export function countOf(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

const levelNames: Record<RiskLevel, string> = { none: 'None', low: 'Low', medium: 'Medium', high: 'High' };

/** "High", "Medium", "Low", "None": the words shown in badges and the text part. */
export function levelLabel(level: RiskLevel): string {
  return levelNames[level] ?? singleLine(level, 20);
}

const levelOrder: readonly RiskLevel[] = ['high', 'medium', 'low', 'none'];

/** "2 high, 1 medium" — every level present, highest first. */
export function levelBreakdown(levels: readonly RiskLevel[]): string {
  return levelOrder
    .map((level) => ({ level, n: levels.filter((l) => l === level).length }))
    .filter(({ n }) => n > 0)
    .map(({ level, n }) => `${n} ${level}`)
    .join(', ');
}

// Unknown values (bad input) sort last instead of first.
function levelRank(level: RiskLevel): number {
  const i = levelOrder.indexOf(level);
  return i < 0 ? levelOrder.length : i;
}

/** Highest level first; stable, so equal levels keep the caller's order. */
export function byLevelDescending<T>(items: readonly T[], levelOf: (item: T) => RiskLevel): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => levelRank(levelOf(a.item)) - levelRank(levelOf(b.item)) || a.index - b.index)
    .map(({ item }) => item);
}

/** A user as an email names them; `userId` is the object id, for a user the directory does not know. */
export interface NamedUser {
  userId: string;
  displayName: string;
  userPrincipalName: string;
}

/**
 * An email's entry for a user: the display name, else the UPN; under it the UPN, else the
 * object id. A detection may name a user the directory does not know and who never signed
 * in: the entry then says so and gives the id, the one handle an administrator has.
 */
export function userEntry(user: NamedUser): { title: string; subtitle: string } {
  const upn = singleLine(user.userPrincipalName, 256);
  return {
    title: singleLine(user.displayName, 256) || upn || 'Unknown user',
    subtitle: upn || `object ID ${singleLine(user.userId, 64)}`,
  };
}

/** The same entry on one line of a text part: `name <upn>`, or `Unknown user (object ID …)`. */
export function userLine(user: NamedUser): string {
  const { title, subtitle } = userEntry(user);
  return singleLine(user.userPrincipalName, 256) === '' ? `${title} (${subtitle})` : `${title} <${subtitle}>`;
}

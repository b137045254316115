import { parseCron, previousOccurrence } from './ncrontab';
import { levelRank, type RiskLevel } from './levels';

/**
 * The weekly digest's pure parts (SPEC §6): which week a run covers, and what the
 * email says about it.
 */

export const DIGEST_DAYS = 7;
/** Entries listed per section; the counts are always exact. */
export const DIGEST_FIRST_ENTRIES = 10;

export interface DigestPeriod {
  /** Stable name of the week: the scheduled occurrence it ends at (R-D4 dedupes on it). */
  weekId: string;
  start: string;
  end: string;
}

/**
 * How early a run may start and still be for the coming occurrence. Azure's timer can fire
 * a few milliseconds before its time; such a run must not name the week before, which was
 * sent already, or this week's digest would be skipped for every tenant.
 */
export const EARLY_FIRE_TOLERANCE_MS = 500;

/**
 * The week a run covers: the 7 days before the scheduled occurrence the run is for. A late
 * run (`isPastDue`) still covers the week it missed, and a second run for the same
 * occurrence names the same week, so it can be sent only once (R-D2, R-D4).
 */
export function digestPeriod(schedule: string, now: Date): DigestPeriod {
  const occurrence =
    previousOccurrence(parseCron(schedule), new Date(now.getTime() + EARLY_FIRE_TOLERANCE_MS)) ?? now;
  const end = new Date(Math.floor(occurrence.getTime() / 1000) * 1000);
  const start = new Date(end.getTime() - DIGEST_DAYS * 86_400_000);
  return { weekId: end.toISOString(), start: start.toISOString(), end: end.toISOString() };
}

export interface NewRiskyUserEntry {
  userId: string;
  userPrincipalName: string;
  displayName: string;
  /** When the user turned risky. */
  at: string;
  riskLevel: RiskLevel;
}

export interface RiskySignInEntry {
  id: string;
  userPrincipalName: string;
  userDisplayName: string;
  createdDateTime: string;
  riskLevelDuringSignIn: RiskLevel;
  ipAddress?: string | undefined;
  location?:
    | { city?: string | undefined; state?: string | undefined; countryOrRegion?: string | undefined }
    | undefined;
}

export interface DigestContent {
  /** `all`: every user, in the order `first` (the email's list) takes its entries from. */
  newRiskyUsers: { count: number; first: NewRiskyUserEntry[]; all: NewRiskyUserEntry[] };
  newRiskySignIns: { count: number; first: RiskySignInEntry[] };
}

const inPeriod = (at: string, period: DigestPeriod): boolean => at >= period.start && at < period.end;
const byLevelThenTime =
  <T>(level: (x: T) => RiskLevel, time: (x: T) => string) =>
  (a: T, b: T) =>
    levelRank(level(b)) - levelRank(level(a)) || (time(a) < time(b) ? -1 : time(a) > time(b) ? 1 : 0);

/**
 * R-D2: users who turned risky in the week (counted once however often, at the first
 * time) with their current level — the level of the user's latest entry, which the
 * rescore keeps current (shared/storage/user-store.ts) — and sign-ins with real-time risk;
 * exact counts and the first entries, highest level first. The period is [start, end): an
 * entry exactly at `end` belongs to the next week.
 */
export function buildDigestContent(input: {
  period: DigestPeriod;
  turnedRisky: readonly NewRiskyUserEntry[];
  riskySignIns: readonly RiskySignInEntry[];
}): DigestContent {
  const users = new Map<string, NewRiskyUserEntry>();
  const latest = new Map<string, NewRiskyUserEntry>();
  for (const entry of input.turnedRisky) {
    if (!inPeriod(entry.at, input.period)) continue;
    const first = users.get(entry.userId);
    if (!first || entry.at < first.at) users.set(entry.userId, entry);
    const last = latest.get(entry.userId);
    if (!last || entry.at >= last.at) latest.set(entry.userId, entry);
  }
  const withCurrent = [...users.values()].map((u) => ({
    ...u,
    riskLevel: latest.get(u.userId)!.riskLevel,
  }));
  const signIns = input.riskySignIns.filter(
    (s) => inPeriod(s.createdDateTime, input.period) && s.riskLevelDuringSignIn !== 'none',
  );
  const allUsers = withCurrent.sort(
    byLevelThenTime(
      (u) => u.riskLevel,
      (u) => u.at,
    ),
  );
  return {
    newRiskyUsers: {
      count: allUsers.length,
      first: allUsers.slice(0, DIGEST_FIRST_ENTRIES),
      all: allUsers,
    },
    newRiskySignIns: {
      count: signIns.length,
      first: [...signIns]
        .sort(
          byLevelThenTime(
            (s) => s.riskLevelDuringSignIn,
            (s) => s.createdDateTime,
          ),
        )
        .slice(0, DIGEST_FIRST_ENTRIES),
    },
  };
}

import { describe, expect, it } from 'vitest';
import {
  buildDigestContent,
  digestPeriod,
  DIGEST_FIRST_ENTRIES,
  type NewRiskyUserEntry,
  type RiskySignInEntry,
} from '../../../shared/domain/digest';

const MONDAY_9 = '0 0 9 * * 1';

describe('the digest period (R-D2, R-D4)', () => {
  it('covers the 7 days before the scheduled occurrence', () => {
    expect(digestPeriod(MONDAY_9, new Date('2026-11-23T09:00:00Z'))).toEqual({
      weekId: '2026-11-23T09:00:00.000Z',
      start: '2026-11-16T09:00:00.000Z',
      end: '2026-11-23T09:00:00.000Z',
    });
  });

  it('a late run (isPastDue) still covers the week it missed, with the same week id', () => {
    const onTime = digestPeriod(MONDAY_9, new Date('2026-11-23T09:00:00.120Z'));
    const late = digestPeriod(MONDAY_9, new Date('2026-11-24T17:30:00Z'));
    expect(late).toEqual(onTime);
  });

  it('a run just before the occurrence belongs to the previous week', () => {
    expect(digestPeriod(MONDAY_9, new Date('2026-11-23T08:59:59Z')).weekId).toBe('2026-11-16T09:00:00.000Z');
  });

  it('R-D1: a timer that fires a few milliseconds early is for the coming occurrence, not the week already sent', () => {
    const early = digestPeriod(MONDAY_9, new Date('2026-11-23T08:59:59.996Z'));
    expect(early).toEqual(digestPeriod(MONDAY_9, new Date('2026-11-23T09:00:00.050Z')));
    expect(early.weekId).toBe('2026-11-23T09:00:00.000Z');
    expect(digestPeriod(MONDAY_9, new Date('2026-11-23T08:59:59.400Z')).weekId).toBe(
      '2026-11-16T09:00:00.000Z',
    );
  });
});

const period = digestPeriod(MONDAY_9, new Date('2026-11-23T09:00:00Z'));
const user = (
  n: number,
  at: string,
  riskLevel: NewRiskyUserEntry['riskLevel'] = 'medium',
): NewRiskyUserEntry => ({
  userId: `u${n}`,
  userPrincipalName: `u${n}@t.example`,
  displayName: `User ${n}`,
  at,
  riskLevel,
});
const signIn = (
  n: number,
  createdDateTime: string,
  riskLevelDuringSignIn: RiskySignInEntry['riskLevelDuringSignIn'] = 'high',
): RiskySignInEntry => ({
  id: `s${n}`,
  userPrincipalName: `u${n}@t.example`,
  userDisplayName: `User ${n}`,
  createdDateTime,
  riskLevelDuringSignIn,
});

describe('digest content (R-D2)', () => {
  it('counts users who turned risky in the week once, at the first time, with the level of the latest entry (kept current)', () => {
    const content = buildDigestContent({
      period,
      turnedRisky: [
        user(1, '2026-11-18T10:00:00.000Z', 'high'),
        user(2, '2026-11-19T10:00:00.000Z'),
        user(1, '2026-11-17T10:00:00.000Z', 'low'),
      ],
      riskySignIns: [],
    });
    expect(content.newRiskyUsers.count).toBe(2);
    expect(content.newRiskyUsers.first.map((u) => [u.userId, u.riskLevel, u.at])).toEqual([
      ['u1', 'high', '2026-11-17T10:00:00.000Z'],
      ['u2', 'medium', '2026-11-19T10:00:00.000Z'],
    ]);
  });

  it('an entry exactly at the start is in; exactly at the end is next week’s', () => {
    const content = buildDigestContent({
      period,
      turnedRisky: [user(1, period.start), user(2, period.end)],
      riskySignIns: [signIn(1, period.start), signIn(2, period.end), signIn(3, '2026-11-16T08:59:59.999Z')],
    });
    expect(content.newRiskyUsers.first.map((u) => u.userId)).toEqual(['u1']);
    expect(content.newRiskySignIns.first.map((s) => s.id)).toEqual(['s1']);
  });

  it('lists only sign-ins with real-time risk, highest level first, and keeps exact counts beyond the first entries', () => {
    const many = Array.from({ length: DIGEST_FIRST_ENTRIES + 5 }, (_, i) =>
      signIn(i, `2026-11-20T10:${String(i).padStart(2, '0')}:00.000Z`, i === 7 ? 'high' : 'low'),
    );
    const content = buildDigestContent({
      period,
      turnedRisky: [],
      riskySignIns: [...many, signIn(99, '2026-11-20T11:00:00.000Z', 'none')],
    });
    expect(content.newRiskySignIns.count).toBe(DIGEST_FIRST_ENTRIES + 5);
    expect(content.newRiskySignIns.first).toHaveLength(DIGEST_FIRST_ENTRIES);
    expect(content.newRiskySignIns.first[0]?.id).toBe('s7');
  });

  it('keeps every new risky user for the log, in the order the email takes its first entries from', () => {
    const many = Array.from({ length: DIGEST_FIRST_ENTRIES + 2 }, (_, i) =>
      user(i, `2026-11-20T10:${String(i).padStart(2, '0')}:00.000Z`, i === 11 ? 'high' : 'low'),
    );
    const content = buildDigestContent({ period, turnedRisky: many, riskySignIns: [] });
    expect(content.newRiskyUsers.count).toBe(DIGEST_FIRST_ENTRIES + 2);
    expect(content.newRiskyUsers.all).toHaveLength(DIGEST_FIRST_ENTRIES + 2);
    expect(content.newRiskyUsers.all[0]?.userId).toBe('u11');
    expect(content.newRiskyUsers.first).toEqual(content.newRiskyUsers.all.slice(0, DIGEST_FIRST_ENTRIES));
  });

  it('an empty week has zero counts', () => {
    expect(buildDigestContent({ period, turnedRisky: [], riskySignIns: [] })).toEqual({
      newRiskyUsers: { count: 0, first: [], all: [] },
      newRiskySignIns: { count: 0, first: [] },
    });
  });
});

import { describe, expect, it } from 'vitest';
import {
  decideAlert,
  MAX_DECIDED_DETECTIONS,
  rememberDecided,
  visibilityDelaySeconds,
  windowClosesAt,
  type AlertInput,
} from '../../../shared/domain/alert-rules';

const base: AlertInput = {
  licensed: true,
  minRiskLevel: 'high',
  userLevel: 'high',
  newDetections: [{ activityDateTime: '2026-11-20T05:10:00.000Z', riskState: 'atRisk' }],
  lastAlertActivityDateTime: undefined,
};

describe('alert qualification (SPEC §5)', () => {
  it('R-E1: an unlicensed tenant never qualifies', () => {
    expect(decideAlert({ ...base, licensed: false })).toEqual({ qualifies: false, reason: 'unlicensed' });
  });

  it('R-E2: the default threshold is high; medium users do not qualify then', () => {
    expect(decideAlert({ ...base, userLevel: 'medium' })).toEqual({
      qualifies: false,
      reason: 'belowThreshold',
    });
    expect(decideAlert({ ...base, userLevel: 'medium', minRiskLevel: 'medium' }).qualifies).toBe(true);
    expect(decideAlert({ ...base, userLevel: 'low', minRiskLevel: 'low' }).qualifies).toBe(true);
  });

  it('R-E3: a user already above the threshold qualifies again on a new (newer) detection', () => {
    expect(decideAlert({ ...base, lastAlertActivityDateTime: '2026-11-20T05:00:00.000Z' })).toEqual({
      qualifies: true,
      activityDateTime: '2026-11-20T05:10:00.000Z',
    });
  });

  it('R-E3 / R-F7: a rescore without a new detection (feedback) never qualifies', () => {
    expect(decideAlert({ ...base, newDetections: [] })).toEqual({
      qualifies: false,
      reason: 'noNewDetection',
    });
  });

  it('R-E3: a new detection already closed by a later action does not qualify', () => {
    expect(
      decideAlert({
        ...base,
        newDetections: [{ activityDateTime: '2026-11-20T05:10:00.000Z', riskState: 'dismissed' }],
      }).qualifies,
    ).toBe(false);
  });

  it('R-E4: 5:10 high sign-in alerts; the 5:15 offline result for a 5:00 sign-in does not', () => {
    const first = decideAlert({
      ...base,
      newDetections: [{ activityDateTime: '2026-11-20T05:10:00.000Z', riskState: 'atRisk' }],
    });
    expect(first).toEqual({ qualifies: true, activityDateTime: '2026-11-20T05:10:00.000Z' });
    const later = decideAlert({
      ...base,
      newDetections: [{ activityDateTime: '2026-11-20T05:00:00.000Z', riskState: 'atRisk' }],
      lastAlertActivityDateTime: first.qualifies ? first.activityDateTime : undefined,
    });
    expect(later).toEqual({ qualifies: false, reason: 'notNewer' });
  });

  it('R-E4: a detection with exactly the previous alert’s activity time is not newer', () => {
    expect(decideAlert({ ...base, lastAlertActivityDateTime: '2026-11-20T05:10:00.000Z' })).toEqual({
      qualifies: false,
      reason: 'notNewer',
    });
  });
});

describe('alert window timing (SPEC §5)', () => {
  const at = (s: string) => new Date(`2026-11-20T05:00:${s}Z`);

  it('R-E5: a window closes 5 s after the first user in it qualified', () => {
    expect(windowClosesAt(at('10.250'), undefined, 5000)).toEqual(at('15.250'));
    expect(windowClosesAt(at('10.250'), at('01.000').toISOString(), 5000)).toEqual(at('15.250'));
  });

  it('R-E5: … and never sooner than 5 s after the previous email, whenever its first user qualified', () => {
    // Qualified at :10.25 while the previous email (accepted at :12) was being sent.
    expect(windowClosesAt(at('10.250'), at('12.000').toISOString(), 5000)).toEqual(at('17.000'));
  });

  it('R-E5: the window message is hidden whole seconds, rounded down (it must not arrive late)', () => {
    expect(visibilityDelaySeconds(at('15.999'), at('10.000'))).toBe(5);
    expect(visibilityDelaySeconds(at('15.000'), at('10.000'))).toBe(5);
    expect(visibilityDelaySeconds(at('10.600'), at('10.000'))).toBe(0);
    expect(visibilityDelaySeconds(at('09.000'), at('10.000'))).toBe(0); // already due
  });
});

describe('detections already decided (R-E3, R-E4, R-X3)', () => {
  const at = (minute: number) => `2026-11-20T05:${String(minute).padStart(2, '0')}:00.000Z`;

  it('keeps what could still qualify: activity later than the last alert, in (activity, id) order', () => {
    const before = [[at(10), 'late-low'] as const];
    expect(rememberDecided(before, [[at(5), 'early-high']], at(5))).toEqual([[at(10), 'late-low']]);
    expect(
      rememberDecided(
        before,
        [
          [at(12), 'b'],
          [at(12), 'a'],
        ],
        undefined,
      ),
    ).toEqual([
      [at(10), 'late-low'],
      [at(12), 'a'],
      [at(12), 'b'],
    ]);
    // An alert for 5:10 rules out everything up to 5:10 for good.
    expect(rememberDecided(before, [[at(11), 'x']], at(10))).toEqual([[at(11), 'x']]);
  });

  it('is the same whatever order the detections were decided in, and names each id once', () => {
    const entries = [
      [at(3), 'c'],
      [at(9), 'a'],
      [at(7), 'b'],
    ] as const;
    const oneByOne = entries.reduce<ReturnType<typeof rememberDecided>>(
      (list, entry) => rememberDecided(list, [entry], at(4)),
      [],
    );
    expect(oneByOne).toEqual(rememberDecided([], [...entries].reverse(), at(4)));
    expect(rememberDecided(oneByOne, [[at(9), 'a']], at(4))).toEqual(oneByOne);
  });

  it(`keeps the ${MAX_DECIDED_DETECTIONS} latest activities`, () => {
    const many = Array.from(
      { length: MAX_DECIDED_DETECTIONS + 5 },
      (_, i) => [new Date(Date.UTC(2026, 10, 20, 5, 0, i)).toISOString(), `d${i}`] as const,
    );
    const kept = rememberDecided([], many, undefined);
    expect(kept).toHaveLength(MAX_DECIDED_DETECTIONS);
    expect(kept[0]![1]).toBe('d5');
    expect(kept.at(-1)![1]).toBe(`d${MAX_DECIDED_DETECTIONS + 4}`);
  });
});

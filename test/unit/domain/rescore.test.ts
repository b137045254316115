import { describe, expect, it } from 'vitest';
import { planRescore } from '../../../shared/domain/rescore';
import { USER, action, at, detection, signIn, signInDetection } from '../../helpers/facts';

const noStored = { storedDetections: new Map(), storedSignIns: new Map() };
/** Stored: at risk, low, since minute 0. */
const lowAtRiskSince0 = {
  riskLevel: 'low' as const,
  riskState: 'atRisk' as const,
  riskDetail: 'none' as const,
  riskLastUpdatedDateTime: at(0),
};

describe('planning a rescore (R-S6, R-S7)', () => {
  it('R-S7: a change of level or state appends one system history item', () => {
    const plan = planRescore({
      facts: { userId: USER, detections: [detection('d1', 0)], signIns: [], actions: [] },
      previous: undefined,
      ...noStored,
      now: at(1),
    });
    expect(plan.history).toEqual([
      expect.objectContaining({
        initiatedBy: '',
        riskLevel: 'medium',
        riskState: 'atRisk',
        activity: { detail: 'none', riskEventTypes: ['leakedCredentials'] },
      }),
    ]);
    expect(plan.user).toMatchObject({
      riskLevel: 'medium',
      riskState: 'atRisk',
      riskLastUpdatedDateTime: at(1),
      changed: true,
    });
  });

  it('R-S6/R-X3: dismissed and made atRisk again by a newer detection, seen by one rescore, is a change', () => {
    // Stored: atRisk/low. Since then a dismiss (minute 5) and a newer low detection (minute 10).
    const facts = {
      userId: USER,
      detections: [
        detection('d1', 0, { riskLevel: 'low' as const }),
        detection('d2', 10, { riskLevel: 'low' as const }),
      ],
      signIns: [],
      actions: [action('a1', 'dismissUser', 5)],
    };
    const plan = planRescore({ facts, previous: lowAtRiskSince0, ...noStored, now: at(20) });
    expect(plan.history.map((h) => h.riskState)).toEqual(['dismissed', 'atRisk']);
    // The same as two rescores, one after each event, would end with: moved, and turned risky
    // again (from dismissed) for the digest.
    expect(plan.user).toMatchObject({
      riskLevel: 'low',
      riskState: 'atRisk',
      changed: true,
      turnedRisky: true,
      riskLastUpdatedDateTime: at(20),
    });
  });

  it('R-D2/R-X3: confirmed compromised then dismissed, seen by one rescore, turned risky as with two rescores', () => {
    // Stored: atRisk/low. Since then confirm compromised (minute 5, with its detection) and a dismiss (minute 6).
    const facts = {
      userId: USER,
      detections: [
        detection('d1', 0, { riskLevel: 'low' as const }),
        detection('acc-a1', 5, {
          riskEventType: 'adminConfirmedUserCompromised',
          riskLevel: 'high' as const,
        }),
      ],
      signIns: [],
      actions: [action('a1', 'confirmUserCompromised', 5), action('a2', 'dismissUser', 6)],
    };
    const together = planRescore({ facts, previous: lowAtRiskSince0, ...noStored, now: at(20) });
    expect(together.history.map((h) => h.riskState)).toEqual(['confirmedCompromised', 'dismissed']);
    // One rescore after each action: the first turns the user confirmedCompromised (R-D2 counts it).
    const first = planRescore({
      facts: { ...facts, actions: [facts.actions[0]!] },
      previous: lowAtRiskSince0,
      ...noStored,
      now: at(10),
    });
    expect(first.user.turnedRisky).toBe(true);
    expect(together.user).toMatchObject({ riskLevel: 'none', riskState: 'dismissed', turnedRisky: true });
  });

  it('R-S7/R-D2/R-X3: a detection then a dismiss, seen by one rescore, are in history as with two rescores', () => {
    // Never scored. A detection (minute 0) and a dismiss (minute 5) reach the worker together.
    const facts = {
      userId: USER,
      detections: [detection('d1', 0)],
      signIns: [],
      actions: [action('a1', 'dismissUser', 5)],
    };
    const together = planRescore({ facts, previous: undefined, ...noStored, now: at(20) });
    // Two rescores, one after each fact: the first records the user turning atRisk.
    const first = planRescore({
      facts: { ...facts, actions: [] },
      previous: undefined,
      ...noStored,
      now: at(1),
    });
    expect(first.user.turnedRisky).toBe(true);
    expect(together.history.map((h) => [h.riskState, h.riskLevel])).toEqual([
      ['atRisk', 'medium'],
      ['dismissed', 'none'],
    ]);
    expect(together.history[0]).toMatchObject({
      initiatedBy: '',
      dateTime: at(0),
      activity: { detail: 'none', riskEventTypes: ['leakedCredentials'] },
    });
    expect(together.user).toMatchObject({ riskState: 'dismissed', changed: true, turnedRisky: true });
  });

  it('R-S6: a level change within atRisk moves the timestamp but is not a user turning risky', () => {
    const facts = {
      userId: USER,
      detections: [
        detection('d1', 0, { riskLevel: 'low' as const }),
        detection('d2', 10, { riskLevel: 'high' as const }),
      ],
      signIns: [],
      actions: [],
    };
    const plan = planRescore({ facts, previous: lowAtRiskSince0, ...noStored, now: at(20) });
    expect(plan.user).toMatchObject({ riskLevel: 'high', changed: true, turnedRisky: false });
    const unchanged = planRescore({
      facts: { ...facts, detections: [detection('d1', 0, { riskLevel: 'low' as const })] },
      previous: lowAtRiskSince0,
      ...noStored,
      now: at(20),
    });
    expect(unchanged.user).toMatchObject({
      changed: false,
      turnedRisky: false,
      riskLastUpdatedDateTime: at(0),
    });
  });

  it('R-S7: every accepted admin action is recorded once, even when it changes nothing', () => {
    const facts = {
      userId: USER,
      detections: [],
      signIns: [],
      actions: [action('a1', 'dismissUser', 5, { initiatedBy: 'oid-1' })],
    };
    const previous = {
      riskLevel: 'none' as const,
      riskState: 'dismissed' as const,
      riskDetail: 'adminDismissedAllRiskForUser' as const,
      riskLastUpdatedDateTime: at(0),
    };
    const plan = planRescore({ facts, previous, ...noStored, now: at(6) });
    expect(plan.history).toHaveLength(1);
    expect(plan.history[0]).toMatchObject({
      initiatedBy: 'oid-1',
      activity: { detail: 'adminDismissedAllRiskForUser', riskEventTypes: [] },
    });
    expect(plan.appliedActionIds).toEqual(['a1']);
    // R-S6: nothing moved, so the timestamp stays.
    expect(plan.user.riskLastUpdatedDateTime).toBe(at(0));
  });

  it('R-S4/R-S7: a remediation event for a user never at risk writes no history and no risky user', () => {
    const facts = {
      userId: USER,
      detections: [],
      signIns: [],
      actions: [action('r1', 'selfServicePasswordReset', 5, { initiatedBy: '' })],
    };
    const plan = planRescore({ facts, previous: undefined, ...noStored, now: at(6) });
    expect(plan.history).toEqual([]);
    expect(plan.appliedActionIds).toEqual(['r1']);
    expect(plan.user).toMatchObject({ riskLevel: 'none', riskState: 'none', changed: false });
  });

  it("a sign-in's riskEventTypes_v2 names its offline detections too, and an unchanged list is not rewritten", () => {
    const facts = {
      userId: USER,
      detections: [
        signInDetection('s1:rt0', 's1', 0),
        signInDetection('late', 's1', 10, {
          riskEventType: 'unlikelyTravel',
          detectionTimingType: 'offline',
        }),
      ],
      signIns: [signIn('s1', 0, { riskLevelDuringSignIn: 'medium' })],
      actions: [],
    };
    const asIngested = { riskState: 'atRisk', riskDetail: 'none', riskLevelAggregated: 'medium' } as const;
    const stale = planRescore({
      facts,
      previous: undefined,
      storedDetections: new Map(),
      storedSignIns: new Map([['s1', { ...asIngested, riskEventTypes: ['anonymizedIPAddress'] }]]),
      now: at(11),
    });
    expect(stale.signIns).toEqual([
      { id: 's1', view: { ...asIngested, riskEventTypes: ['anonymizedIPAddress', 'unlikelyTravel'] } },
    ]);
    const current = planRescore({
      facts,
      previous: undefined,
      storedDetections: new Map(),
      storedSignIns: new Map([
        ['s1', { ...asIngested, riskEventTypes: ['unlikelyTravel', 'anonymizedIPAddress'] }],
      ]),
      now: at(11),
    });
    expect(current.signIns).toEqual([]);
  });

  it('R-S6/R-X3: re-planning stored facts writes nothing new', () => {
    const facts = {
      userId: USER,
      detections: [detection('d1', 0)],
      signIns: [],
      actions: [action('a1', 'dismissUser', 5, { appliedAt: at(6) })],
    };
    const first = planRescore({ facts, previous: undefined, ...noStored, now: at(6) });
    const stored = new Map(first.detections.map((d) => [d.id, d.state]));
    const again = planRescore({
      facts,
      previous: { ...first.user },
      storedDetections: stored,
      storedSignIns: new Map(),
      now: at(9),
    });
    expect(again.history).toEqual([]);
    expect(again.detections).toEqual([]);
    expect(again.user.changed).toBe(false);
    expect(again.user.riskLastUpdatedDateTime).toBe(first.user.riskLastUpdatedDateTime);
  });

  it('R-S7/R-X3: a detection recorded after an applied action is in history once, however often the user is rescored', () => {
    const facts = {
      userId: USER,
      detections: [detection('d1', 0, { riskLevel: 'high' }), detection('d2', 10)],
      signIns: [],
      actions: [action('a1', 'dismissUser', 5, { appliedAt: at(6) })],
    };
    // Stored after the rescore that followed d2: atRisk again, at d2's level.
    const previous = {
      riskLevel: 'medium' as const,
      riskState: 'atRisk' as const,
      riskDetail: 'none' as const,
      riskLastUpdatedDateTime: at(11),
    };
    const stored = new Map([
      ['d1', { riskState: 'dismissed' as const, riskDetail: 'adminDismissedAllRiskForUser' as const }],
      ['d2', { riskState: 'atRisk' as const, riskDetail: 'none' as const }],
    ]);
    const again = planRescore({
      facts,
      previous,
      storedDetections: stored,
      storedSignIns: new Map(),
      now: at(20),
    });
    expect(again.history).toEqual([]);
    expect(again.user.changed).toBe(false);
  });
});

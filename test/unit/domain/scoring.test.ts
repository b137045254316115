import { describe, expect, it } from 'vitest';
import { scoreUser } from '../../../shared/domain/scoring';
import type { UserFacts } from '../../../shared/domain/facts';
import { USER, action, at, detection, signIn, signInDetection } from '../../helpers/facts';

const facts = (parts: Partial<UserFacts>): UserFacts => ({
  userId: USER,
  detections: [],
  signIns: [],
  actions: [],
  ...parts,
});

describe('scoring (SPEC §3)', () => {
  it('R-S3/R-S4: a user with no detections is not at risk', () => {
    expect(scoreUser(facts({})).user).toEqual({ riskLevel: 'none', riskState: 'none', riskDetail: 'none' });
  });

  it('R-S3: the user level is the highest level of active detections, user and sign-in ones', () => {
    const score = scoreUser(
      facts({
        signIns: [signIn('s1', 0, { riskLevelDuringSignIn: 'high' })],
        detections: [
          detection('d1', 1, { riskLevel: 'low' }),
          signInDetection('d2', 's1', 0, { riskLevel: 'high' }),
        ],
      }),
    );
    expect(score.user).toEqual({ riskLevel: 'high', riskState: 'atRisk', riskDetail: 'none' });
  });

  it('R-S2: a sign-in aggregates its active detections, realtime and offline', () => {
    const score = scoreUser(
      facts({
        signIns: [signIn('s1', 0, { riskLevelDuringSignIn: 'low' })],
        detections: [
          signInDetection('d1', 's1', 0, { riskLevel: 'low' }),
          signInDetection('d2', 's1', 10, {
            riskLevel: 'medium',
            detectionTimingType: 'offline',
            riskEventType: 'unlikelyTravel',
          }),
        ],
      }),
    );
    expect(score.signIns.get('s1')).toEqual({
      riskLevelAggregated: 'medium',
      riskState: 'atRisk',
      riskDetail: 'none',
    });
  });

  it('R-S4: a detection recorded after an action makes the user atRisk again', () => {
    const score = scoreUser(
      facts({
        detections: [detection('d1', 0), detection('d2', 20, { riskLevel: 'low' })],
        actions: [action('a1', 'dismissUser', 10)],
      }),
    );
    expect(score.user).toEqual({ riskLevel: 'low', riskState: 'atRisk', riskDetail: 'none' });
    expect(score.detections.get('d1')).toEqual({
      riskState: 'dismissed',
      riskDetail: 'adminDismissedAllRiskForUser',
    });
    expect(score.detections.get('d2')).toEqual({ riskState: 'atRisk', riskDetail: 'none' });
  });

  it('R-S5: a detection ingested after the action is new risk even with an older activityDateTime', () => {
    const late = detection('late', 30, { activityDateTime: at(-60), riskLevel: 'high' });
    const score = scoreUser(
      facts({ detections: [detection('d1', 0), late], actions: [action('a1', 'dismissUser', 10)] }),
    );
    expect(score.user.riskState).toBe('atRisk');
    expect(score.user.riskLevel).toBe('high');
    expect(score.detections.get('late')?.riskState).toBe('atRisk');
  });

  it('R-X3: the result does not depend on the order facts are listed in (replay orders by record time)', () => {
    const ds = [
      detection('d1', 0),
      detection('d2', 5, { riskLevel: 'high' }),
      detection('d3', 20, { riskLevel: 'low' }),
    ];
    const as = [action('a1', 'confirmUserSafe', 10)];
    const one = scoreUser(facts({ detections: ds, actions: as }));
    const two = scoreUser(facts({ detections: [...ds].reverse(), actions: as }));
    expect(two).toEqual(one);
    expect(scoreUser(facts({ detections: ds, actions: as }))).toEqual(one);
  });
});

describe('feedback actions (SPEC §4)', () => {
  /** R-F1: the user a confirmed-safe sign-in left with no risk. */
  const confirmedSafeThroughSignIn = {
    riskLevel: 'none',
    riskState: 'confirmedSafe',
    riskDetail: 'adminConfirmedSigninSafe',
  };
  const riskySignIn = {
    signIns: [signIn('s1', 0, { riskLevelDuringSignIn: 'high' })],
    detections: [signInDetection('d1', 's1', 0, { riskLevel: 'high' })],
  };

  it('R-F1: confirm sign-in safe closes the sign-in and, when nothing else is risky, the user', () => {
    const score = scoreUser(
      facts({ ...riskySignIn, actions: [action('a', 'confirmSignInSafe', 5, { requestId: 's1' })] }),
    );
    expect(score.signIns.get('s1')).toEqual({
      riskLevelAggregated: 'none',
      riskState: 'confirmedSafe',
      riskDetail: 'adminConfirmedSigninSafe',
    });
    expect(score.detections.get('d1')).toEqual({
      riskState: 'confirmedSafe',
      riskDetail: 'adminConfirmedSigninSafe',
    });
    expect(score.user).toEqual(confirmedSafeThroughSignIn);
  });

  it('R-F1: with other risk left, the user is rescored without the sign-in and stays atRisk', () => {
    const score = scoreUser(
      facts({
        ...riskySignIn,
        detections: [...riskySignIn.detections, detection('u1', 1, { riskLevel: 'low' })],
        actions: [action('a', 'confirmSignInSafe', 5, { requestId: 's1' })],
      }),
    );
    expect(score.user).toEqual({ riskLevel: 'low', riskState: 'atRisk', riskDetail: 'none' });
  });

  it('R-F2: confirm sign-in compromised makes the sign-in and the user confirmedCompromised, high', () => {
    const score = scoreUser(
      facts({
        signIns: [signIn('s1', 0)],
        detections: [signInDetection('d1', 's1', 0, { riskLevel: 'low' })],
        actions: [action('a', 'confirmSignInCompromised', 5, { requestId: 's1' })],
      }),
    );
    expect(score.signIns.get('s1')).toEqual({
      riskLevelAggregated: 'high',
      riskState: 'confirmedCompromised',
      riskDetail: 'adminConfirmedSigninCompromised',
    });
    expect(score.user).toEqual({
      riskLevel: 'high',
      riskState: 'confirmedCompromised',
      riskDetail: 'adminConfirmedSigninCompromised',
    });
  });

  it('R-F1: confirming safe the sign-in a user was confirmed compromised through rescores the user without it', () => {
    // Seed 004: confirm sign-in safe reverses the sign-in's effect on the user risk.
    const base = {
      signIns: [signIn('s1', 0), signIn('s2', 1)],
      detections: [signInDetection('d1', 's1', 0, { riskLevel: 'low' as const })],
      actions: [
        action('a', 'confirmSignInCompromised', 5, { requestId: 's1' }),
        action('b', 'confirmSignInSafe', 10, { requestId: 's1' }),
      ],
    };
    const score = scoreUser(facts(base));
    expect(score.signIns.get('s1')).toMatchObject({
      riskState: 'confirmedSafe',
      riskLevelAggregated: 'none',
    });
    // Nothing else is risky: the level drops to none and the user becomes confirmedSafe.
    expect(score.user).toEqual(confirmedSafeThroughSignIn);
    // With other risk left, the user is atRisk at that risk's level.
    const withOther = scoreUser(
      facts({
        ...base,
        detections: [...base.detections, signInDetection('d2', 's2', 1, { riskLevel: 'medium' })],
      }),
    );
    expect(withOther.user).toEqual({ riskLevel: 'medium', riskState: 'atRisk', riskDetail: 'none' });
    // R-S3: a user confirmed compromised itself (R-F3) stays so.
    const userCompromised = scoreUser(
      facts({
        ...base,
        detections: [
          ...base.detections,
          detection('acc-c', 3, { riskEventType: 'adminConfirmedUserCompromised', riskLevel: 'high' }),
        ],
        actions: [action('c', 'confirmUserCompromised', 3), ...base.actions],
      }),
    );
    expect(userCompromised.user).toMatchObject({ riskLevel: 'high', riskState: 'confirmedCompromised' });
  });

  it('R-F1/R-F3: a user confirmed compromised, then through a sign-in later confirmed safe, is left with the R-F3 detail', () => {
    // Rescored without the sign-in (R-F1), the user is what R-F3 made it: confirmedCompromised,
    // detail adminConfirmedUserCompromised, as when R-F3 came after the sign-in's confirmation.
    /** R-F3 at `minute` (its action and the detection it adds), around the sign-in's confirmations at 5 and 10. */
    const withUserConfirmedAt = (minute: number) =>
      scoreUser(
        facts({
          signIns: [signIn('s1', 0)],
          detections: [
            signInDetection('d1', 's1', 0, { riskLevel: 'low' }),
            detection('acc-c', minute, { riskEventType: 'adminConfirmedUserCompromised', riskLevel: 'high' }),
          ],
          actions: [
            action('c', 'confirmUserCompromised', minute),
            action('a', 'confirmSignInCompromised', 5, { requestId: 's1' }),
            action('b', 'confirmSignInSafe', 10, { requestId: 's1' }),
          ],
        }),
      );
    const userFirst = withUserConfirmedAt(3);
    const signInFirst = withUserConfirmedAt(7);
    const expected = {
      riskLevel: 'high',
      riskState: 'confirmedCompromised',
      riskDetail: 'adminConfirmedUserCompromised',
    };
    expect(signInFirst.user).toEqual(expected);
    expect(userFirst.user).toEqual(expected);
  });

  it('R-S2/R-S3: a detection recorded after confirm sign-in compromised never lowers that sign-in or the user', () => {
    const score = scoreUser(
      facts({
        signIns: [signIn('s1', 0)],
        detections: [
          signInDetection('d1', 's1', 0, { riskLevel: 'low' }),
          // A later offline result for the same sign-in: new risk.
          signInDetection('d2', 's1', 10, {
            riskLevel: 'low',
            detectionTimingType: 'offline',
            riskEventType: 'unlikelyTravel',
          }),
        ],
        actions: [action('a', 'confirmSignInCompromised', 5, { requestId: 's1' })],
      }),
    );
    expect(score.signIns.get('s1')).toEqual({
      riskLevelAggregated: 'high',
      riskState: 'confirmedCompromised',
      riskDetail: 'adminConfirmedSigninCompromised',
    });
    expect(score.detections.get('d2')).toEqual({ riskState: 'atRisk', riskDetail: 'none' });
    // R-S4: the new detection makes the user atRisk again, at the compromised sign-in's level.
    expect(score.user).toEqual({ riskLevel: 'high', riskState: 'atRisk', riskDetail: 'none' });
  });

  it('R-F3: confirm user compromised: confirmedCompromised, high, with its own detection', () => {
    const score = scoreUser(
      facts({
        detections: [
          detection('acc-a', 5, { riskEventType: 'adminConfirmedUserCompromised', riskLevel: 'high' }),
        ],
        actions: [action('a', 'confirmUserCompromised', 5)],
      }),
    );
    expect(score.user).toEqual({
      riskLevel: 'high',
      riskState: 'confirmedCompromised',
      riskDetail: 'adminConfirmedUserCompromised',
    });
    expect(score.detections.get('acc-a')?.riskState).toBe('atRisk');
  });

  it('R-F4: dismiss closes every active detection and risky sign-in; level none', () => {
    const score = scoreUser(
      facts({
        ...riskySignIn,
        detections: [...riskySignIn.detections, detection('u1', 1)],
        actions: [action('a', 'dismissUser', 5)],
      }),
    );
    expect(score.user).toEqual({
      riskLevel: 'none',
      riskState: 'dismissed',
      riskDetail: 'adminDismissedAllRiskForUser',
    });
    expect(score.detections.get('u1')).toEqual({
      riskState: 'dismissed',
      riskDetail: 'adminDismissedAllRiskForUser',
    });
    expect(score.signIns.get('s1')).toEqual({
      riskLevelAggregated: 'none',
      riskState: 'dismissed',
      riskDetail: 'adminDismissedAllRiskForUser',
    });
  });

  it('R-F5: a self-service password reset remediates the user and closes its risk', () => {
    const score = scoreUser(
      facts({ ...riskySignIn, actions: [action('r', 'selfServicePasswordReset', 5, { initiatedBy: '' })] }),
    );
    expect(score.user).toEqual({
      riskLevel: 'none',
      riskState: 'remediated',
      riskDetail: 'userPerformedSecuredPasswordReset',
    });
    expect(score.detections.get('d1')).toEqual({
      riskState: 'remediated',
      riskDetail: 'userPerformedSecuredPasswordReset',
    });
  });

  it.each([
    ['adminPasswordReset', 'adminGeneratedTemporaryPassword'],
    ['securePasswordChange', 'userPerformedSecuredPasswordChange'],
  ] as const)('R-F5: %s remediates with detail %s', (kind, detail) => {
    const score = scoreUser(facts({ ...riskySignIn, actions: [action('r', kind, 5)] }));
    expect(score.user).toEqual({ riskLevel: 'none', riskState: 'remediated', riskDetail: detail });
  });

  it.each(['adminPasswordReset', 'selfServicePasswordReset', 'securePasswordChange'] as const)(
    'R-S4/R-F5: %s for a user with no active risk changes nothing (never at risk, or dismissed)',
    (kind) => {
      const never = scoreUser(facts({ actions: [action('r', kind, 5, { initiatedBy: '' })] }));
      expect(never.user).toEqual({ riskLevel: 'none', riskState: 'none', riskDetail: 'none' });
      const dismissed = scoreUser(
        facts({
          detections: [detection('d1', 0)],
          actions: [action('a', 'dismissUser', 2), action('r', kind, 5, { initiatedBy: '' })],
        }),
      );
      expect(dismissed.user).toEqual({
        riskLevel: 'none',
        riskState: 'dismissed',
        riskDetail: 'adminDismissedAllRiskForUser',
      });
      // A user confirmed compromised is at risk: the reset remediates it.
      const compromised = scoreUser(
        facts({
          detections: [
            detection('acc-c', 2, { riskEventType: 'adminConfirmedUserCompromised', riskLevel: 'high' }),
          ],
          actions: [action('c', 'confirmUserCompromised', 2), action('r', kind, 5, { initiatedBy: '' })],
        }),
      );
      expect(compromised.user).toMatchObject({ riskLevel: 'none', riskState: 'remediated' });
    },
  );

  it('R-F5: mfaPassed on a sign-in without active risk changes nothing', () => {
    const score = scoreUser(
      facts({
        signIns: [signIn('s1', 0)],
        detections: [detection('u1', 1, { riskLevel: 'low' })],
        actions: [action('m', 'mfaPassed', 5, { requestId: 's1' })],
      }),
    );
    expect(score.signIns.get('s1')).toEqual({
      riskLevelAggregated: 'none',
      riskState: 'none',
      riskDetail: 'none',
    });
    expect(score.user).toEqual({ riskLevel: 'low', riskState: 'atRisk', riskDetail: 'none' });
    // An administrator's action on the same sign-in is recorded as asked.
    const dismissed = scoreUser(
      facts({ signIns: [signIn('s1', 0)], actions: [action('d', 'dismissSignIn', 5, { requestId: 's1' })] }),
    );
    expect(dismissed.signIns.get('s1')).toMatchObject({ riskState: 'dismissed' });
  });

  it('R-F5: mfaPassed remediates that sign-in and its detections; the user is rescored', () => {
    const score = scoreUser(
      facts({
        ...riskySignIn,
        detections: [...riskySignIn.detections, detection('u1', 1, { riskLevel: 'low' })],
        actions: [action('m', 'mfaPassed', 5, { requestId: 's1' })],
      }),
    );
    expect(score.signIns.get('s1')).toEqual({
      riskLevelAggregated: 'none',
      riskState: 'remediated',
      riskDetail: 'userPassedMFADrivenByRiskBasedPolicy',
    });
    expect(score.user).toEqual({ riskLevel: 'low', riskState: 'atRisk', riskDetail: 'none' });
  });

  it('R-F6: confirm compromised then dismiss leaves the user dismissed with both outcomes recorded', () => {
    const score = scoreUser(
      facts({
        detections: [
          detection('d1', 0),
          detection('acc-a', 5, { riskEventType: 'adminConfirmedUserCompromised', riskLevel: 'high' }),
        ],
        actions: [action('a', 'confirmUserCompromised', 5), action('b', 'dismissUser', 10)],
      }),
    );
    expect(score.actionOutcomes.map((o) => o.after)).toEqual([
      { riskLevel: 'high', riskState: 'confirmedCompromised', riskDetail: 'adminConfirmedUserCompromised' },
      { riskLevel: 'none', riskState: 'dismissed', riskDetail: 'adminDismissedAllRiskForUser' },
    ]);
    expect(score.user.riskState).toBe('dismissed');
  });

  it('R-F8: confirm user safe closes all risk as confirmedSafe', () => {
    const score = scoreUser(facts({ ...riskySignIn, actions: [action('a', 'confirmUserSafe', 5)] }));
    expect(score.user).toEqual({
      riskLevel: 'none',
      riskState: 'confirmedSafe',
      riskDetail: 'adminConfirmedAccountSafe',
    });
    expect(score.signIns.get('s1')?.riskState).toBe('confirmedSafe');
  });

  it('R-F9: dismiss sign-in closes it and its detections; the user is rescored without them', () => {
    const score = scoreUser(
      facts({
        ...riskySignIn,
        detections: [...riskySignIn.detections, detection('u1', 1, { riskLevel: 'medium' })],
        actions: [action('a', 'dismissSignIn', 5, { requestId: 's1' })],
      }),
    );
    expect(score.signIns.get('s1')).toEqual({
      riskLevelAggregated: 'none',
      riskState: 'dismissed',
      riskDetail: 'adminDismissedRiskForSignIn',
    });
    expect(score.detections.get('d1')?.riskState).toBe('dismissed');
    expect(score.user).toEqual({ riskLevel: 'medium', riskState: 'atRisk', riskDetail: 'none' });
  });

  it('R-S5: an action does not touch a detection recorded after it', () => {
    const score = scoreUser(
      facts({
        ...riskySignIn,
        detections: [
          ...riskySignIn.detections,
          signInDetection('late', 's1', 9, {
            detectionTimingType: 'offline',
            riskEventType: 'unlikelyTravel',
            riskLevel: 'medium',
          }),
        ],
        actions: [action('a', 'confirmSignInSafe', 5, { requestId: 's1' })],
      }),
    );
    expect(score.detections.get('d1')?.riskState).toBe('confirmedSafe');
    expect(score.detections.get('late')?.riskState).toBe('atRisk');
    expect(score.signIns.get('s1')).toEqual({
      riskLevelAggregated: 'medium',
      riskState: 'atRisk',
      riskDetail: 'none',
    });
  });
});

import {
  isAdminAction,
  type ActionFact,
  type ActionKind,
  type DerivedState,
  type DetectionFact,
  type SignInFact,
  type UserFacts,
} from './facts';
import { isActiveState, maxLevel, type RiskDetail, type RiskLevel, type RiskState } from './levels';

/**
 * Rescoring (SPEC §3, §4): a pure function of one user's stored facts. Facts are
 * replayed in the order riskloop recorded them, so duplicate or out-of-order queue
 * delivery always yields the same result (R-X3), and an action only touches what was
 * recorded before it was accepted (R-S5).
 */

export interface UserView {
  riskLevel: RiskLevel;
  riskState: RiskState;
  riskDetail: RiskDetail;
}

export interface SignInView extends DerivedState {
  riskLevelAggregated: RiskLevel;
}

/**
 * The user's state just before an action, what the facts recorded before it made it (R-S7: a
 * change they made is in history even when the same rescore applies the action).
 */
export interface PriorState {
  view: UserView;
  /** When the latest fact before the action was recorded (undefined: none was). */
  at: string | undefined;
  /** The types of the active detections (a history item's `riskEventTypes`). */
  types: string[];
}

/** The user's state right before and after one action was applied: the audit record of R-S7. */
export interface ActionOutcome {
  action: ActionFact;
  before: PriorState;
  after: UserView;
}

export interface Score {
  user: UserView;
  detections: Map<string, DerivedState>;
  signIns: Map<string, SignInView>;
  /** Outcomes of every action, in acceptance order. */
  actionOutcomes: ActionOutcome[];
  /** The types of the user's active detections at the end, sorted. */
  activeTypes: string[];
}

const actionDetail: Record<ActionKind, RiskDetail> = {
  confirmSignInSafe: 'adminConfirmedSigninSafe',
  confirmSignInCompromised: 'adminConfirmedSigninCompromised',
  dismissSignIn: 'adminDismissedRiskForSignIn',
  confirmUserCompromised: 'adminConfirmedUserCompromised',
  dismissUser: 'adminDismissedAllRiskForUser',
  confirmUserSafe: 'adminConfirmedAccountSafe',
  adminPasswordReset: 'adminGeneratedTemporaryPassword',
  selfServicePasswordReset: 'userPerformedSecuredPasswordReset',
  securePasswordChange: 'userPerformedSecuredPasswordChange',
  mfaPassed: 'userPassedMFADrivenByRiskBasedPolicy',
};

export function detailOf(kind: ActionKind): RiskDetail {
  return actionDetail[kind];
}

/** What a sign-in action does to the sign-in and its detections. */
const signInActionState: Partial<Record<ActionKind, RiskState>> = {
  confirmSignInSafe: 'confirmedSafe',
  confirmSignInCompromised: 'confirmedCompromised',
  dismissSignIn: 'dismissed',
  mfaPassed: 'remediated',
};

/** What a user-wide action does to every active detection and risky sign-in of the user. */
const userClosingState: Partial<Record<ActionKind, RiskState>> = {
  dismissUser: 'dismissed',
  confirmUserSafe: 'confirmedSafe',
  adminPasswordReset: 'remediated',
  selfServicePasswordReset: 'remediated',
  securePasswordChange: 'remediated',
};

type Event =
  | { at: string; order: 0; id: string; detection: DetectionFact }
  | { at: string; order: 1; id: string; signIn: SignInFact }
  | { at: string; order: 2; id: string; action: ActionFact };

/** Replay order: time recorded; at equal times facts before actions (an R-F3 detection precedes its own action). */
function timeline(facts: UserFacts): Event[] {
  const events: Event[] = [
    ...facts.detections.map((d) => ({ at: d.recordedAt, order: 0 as const, id: d.id, detection: d })),
    ...facts.signIns.map((s) => ({ at: s.recordedAt, order: 1 as const, id: s.id, signIn: s })),
    ...facts.actions.map((a) => ({ at: a.acceptedAt, order: 2 as const, id: a.id, action: a })),
  ];
  return events.sort((x, y) =>
    x.at !== y.at
      ? x.at < y.at
        ? -1
        : 1
      : x.order !== y.order
        ? x.order - y.order
        : x.id < y.id
          ? -1
          : x.id > y.id
            ? 1
            : 0,
  );
}

class Replay {
  readonly detections = new Map<string, DetectionFact>();
  readonly detectionState = new Map<string, DerivedState>();
  /** Sign-ins known so far, by request id; includes ids only referenced by detections. */
  readonly signInIds = new Set<string>();
  /**
   * A state set on a sign-in by an action, until a newer detection of it reopens it; a
   * sign-in confirmed compromised stays so (R-S2: its aggregate is `high`), new risk never
   * lowers it.
   */
  readonly signInAction = new Map<string, DerivedState>();
  /** A state set on the user by an action, until a newer detection makes the user atRisk (R-S4). */
  userAction: DerivedState | undefined;
  /** Mentioned by R-S3: level stays high while this state stands. */
  compromised = false;
  /** Confirmed compromised as a user (R-F3), not only through a sign-in (R-F2). */
  userCompromised = false;

  addDetection(d: DetectionFact): void {
    this.detections.set(d.id, d);
    this.detectionState.set(d.id, { riskState: 'atRisk', riskDetail: 'none' });
    if (d.requestId) {
      this.signInIds.add(d.requestId);
      if (this.signInAction.get(d.requestId)?.riskState !== 'confirmedCompromised')
        this.signInAction.delete(d.requestId);
    }
    // An R-F3 detection is recorded just before its own action; any other new detection is new risk.
    this.userAction = undefined;
    this.compromised = false;
    this.userCompromised = false;
  }

  addSignIn(s: SignInFact): void {
    this.signInIds.add(s.id);
  }

  signInView(requestId: string): SignInView {
    const set = this.signInAction.get(requestId);
    if (set) {
      const riskLevelAggregated: RiskLevel = set.riskState === 'confirmedCompromised' ? 'high' : 'none';
      return { ...set, riskLevelAggregated };
    }
    const level = maxLevel(this.activeDetections((d) => d.requestId === requestId).map((d) => d.riskLevel));
    return {
      riskState: level === 'none' ? 'none' : 'atRisk',
      riskDetail: 'none',
      riskLevelAggregated: level,
    };
  }

  userView(): UserView {
    const signInLevels = [...this.signInIds]
      .map((id) => this.signInView(id))
      .filter((v) => isActiveState(v.riskState));
    const level = this.compromised
      ? 'high'
      : maxLevel([
          ...this.activeDetections(() => true).map((d) => d.riskLevel),
          ...signInLevels.map((v) => v.riskLevelAggregated),
        ]);
    if (this.userAction) return { riskLevel: level, ...this.userAction };
    return { riskLevel: level, riskState: level === 'none' ? 'none' : 'atRisk', riskDetail: 'none' };
  }

  apply(action: ActionFact): void {
    const detail = detailOf(action.kind);
    const signInState = signInActionState[action.kind];
    if (signInState && action.requestId) {
      // A remediation event closes risk: a sign-in (or below, a user) with none keeps its state.
      if (!isAdminAction(action.kind) && !isActiveState(this.signInView(action.requestId).riskState)) return;
      this.applyToSignIn(action.requestId, signInState, detail);
      return;
    }
    if (action.kind === 'confirmUserCompromised') {
      this.userAction = { riskState: 'confirmedCompromised', riskDetail: detail };
      this.compromised = true;
      this.userCompromised = true;
      return;
    }
    const closing = userClosingState[action.kind];
    if (closing) {
      // R-S4: a user never at risk stays `none` (a routine password reset is no remediation).
      if (!isAdminAction(action.kind) && !isActiveState(this.userView().riskState)) return;
      for (const id of this.signInIds) {
        if (isActiveState(this.signInView(id).riskState))
          this.signInAction.set(id, { riskState: closing, riskDetail: detail });
      }
      for (const d of this.activeDetections(() => true)) {
        this.detectionState.set(d.id, { riskState: closing, riskDetail: detail });
      }
      this.userAction = { riskState: closing, riskDetail: detail };
      this.compromised = false;
      this.userCompromised = false;
    }
  }

  private applyToSignIn(requestId: string, state: RiskState, detail: RiskDetail): void {
    const before = this.userView();
    this.signInIds.add(requestId);
    this.signInAction.set(requestId, { riskState: state, riskDetail: detail });
    for (const d of this.detections.values()) {
      if (d.requestId === requestId && isActiveState(this.detectionState.get(d.id)!.riskState)) {
        this.detectionState.set(d.id, { riskState: state, riskDetail: detail });
      }
    }
    if (state === 'confirmedCompromised') {
      // R-F2: the user becomes confirmedCompromised with the sign-in's detail.
      this.userAction = { riskState: 'confirmedCompromised', riskDetail: detail };
      this.compromised = true;
      return;
    }
    // R-F1, R-F9, R-F5 (mfaPassed): the user is rescored without the sign-in. A user confirmed
    // compromised only through sign-ins (R-F2) is so no longer once none of them is (seed 004:
    // confirming a sign-in safe reverses its effect on the user risk).
    if (
      this.compromised &&
      ![...this.signInAction.values()].some((v) => v.riskState === 'confirmedCompromised')
    ) {
      if (this.userCompromised) {
        // R-F3 still stands: the user keeps its detail, not that of the sign-in just reverted.
        this.userAction = {
          riskState: 'confirmedCompromised',
          riskDetail: detailOf('confirmUserCompromised'),
        };
      } else {
        this.compromised = false;
        if (this.userAction?.riskState === 'confirmedCompromised') this.userAction = undefined;
      }
    }
    // If this closed the user's last risk, the user takes the action's state.
    const after = this.userView();
    if (before.riskLevel !== 'none' && after.riskLevel === 'none') {
      this.userAction = { riskState: state, riskDetail: detail };
    }
  }

  /** The types of the user's active detections, sorted (a history item's `riskEventTypes`). */
  activeTypes(): string[] {
    return [...new Set(this.activeDetections(() => true).map((d) => d.riskEventType))].sort();
  }

  private activeDetections(where: (d: DetectionFact) => boolean): DetectionFact[] {
    return [...this.detections.values()].filter(
      (d) => where(d) && isActiveState(this.detectionState.get(d.id)!.riskState),
    );
  }
}

/** Scores one user from its facts (R-S1…R-S5, R-F1…R-F9). */
export function scoreUser(facts: UserFacts): Score {
  const replay = new Replay();
  const actionOutcomes: ActionOutcome[] = [];
  let lastFactAt: string | undefined;
  const prior = (): PriorState => ({ view: replay.userView(), at: lastFactAt, types: replay.activeTypes() });
  // R-F3's detection is part of its action (recorded just before it): the state before the
  // action is the one before that detection.
  let held: PriorState | undefined;
  for (const event of timeline(facts)) {
    if ('detection' in event) {
      if (event.detection.riskEventType === 'adminConfirmedUserCompromised') {
        held = prior();
      } else {
        lastFactAt = event.at;
        held = undefined;
      }
      replay.addDetection(event.detection);
    } else if ('signIn' in event) replay.addSignIn(event.signIn);
    else {
      const before = event.action.kind === 'confirmUserCompromised' && held ? held : prior();
      held = undefined;
      replay.apply(event.action);
      actionOutcomes.push({ action: event.action, before, after: replay.userView() });
    }
  }
  const signIns = new Map<string, SignInView>();
  for (const s of facts.signIns) signIns.set(s.id, replay.signInView(s.id));
  return {
    user: replay.userView(),
    detections: replay.detectionState,
    signIns,
    actionOutcomes,
    activeTypes: replay.activeTypes(),
  };
}

import { isAdminAction, type DerivedState, type UserFacts } from './facts';
import { isActiveState, type RiskDetail, type RiskLevel, type RiskState } from './levels';
import { detailOf, scoreUser, type SignInView, type UserView } from './scoring';

/** The risk fields of a user as last stored, or undefined for a user never scored. */
export interface StoredUserRisk {
  riskLevel: RiskLevel;
  riskState: RiskState;
  riskDetail: RiskDetail;
  riskLastUpdatedDateTime?: string | undefined;
}

export interface HistoryEntry {
  /** Stable within the user: re-planning the same facts yields the same key. */
  key: string;
  /** The action this entry records; absent for a change the rescore itself made. */
  actionId?: string;
  dateTime: string;
  initiatedBy: string;
  activity: { detail: RiskDetail; riskEventTypes: string[] };
  riskLevel: RiskLevel;
  riskState: RiskState;
  riskDetail: RiskDetail;
}

export interface RescorePlan {
  user: UserView & {
    riskLastUpdatedDateTime: string | undefined;
    /** Level or state moved at some step since the stored state (R-S6). */
    changed: boolean;
    /** At some step the user turned atRisk or confirmedCompromised from another state (the digest's R-D2 index). */
    turnedRisky: boolean;
  };
  detections: Array<{ id: string; state: DerivedState }>;
  /** Sign-ins whose derived view moved; `riskEventTypes` is Graph's `riskEventTypes_v2`. */
  signIns: Array<{ id: string; view: SignInView & { riskEventTypes: string[] } }>;
  appliedActionIds: string[];
  history: HistoryEntry[];
}

export interface RescoreInput {
  facts: UserFacts;
  previous: StoredUserRisk | undefined;
  storedDetections: ReadonlyMap<string, DerivedState>;
  storedSignIns: ReadonlyMap<string, SignInView & { riskEventTypes?: readonly string[] }>;
  now: string;
}

const sameView = (
  a: Pick<UserView, 'riskLevel' | 'riskState'>,
  b: Pick<UserView, 'riskLevel' | 'riskState'>,
): boolean => a.riskLevel === b.riskLevel && a.riskState === b.riskState;

/**
 * Graph's `riskEventTypes_v2` of each sign-in: the types of every detection that names it,
 * its own real-time ones and offline ones recorded later (`unlikelyTravel`, …), in the
 * order recorded. One pass over the user's detections, however many sign-ins it has.
 */
function eventTypesBySignIn(facts: UserFacts): Map<string, string[]> {
  const recorded = [...facts.detections].sort((a, b) =>
    a.recordedAt < b.recordedAt ? -1 : a.recordedAt > b.recordedAt ? 1 : a.id < b.id ? -1 : 1,
  );
  const types = new Map<string, Set<string>>();
  for (const d of recorded) {
    if (d.requestId === undefined) continue;
    const set = types.get(d.requestId) ?? new Set<string>();
    types.set(d.requestId, set.add(d.riskEventType));
  }
  return new Map([...types].map(([requestId, set]) => [requestId, [...set]]));
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
};

/**
 * Decides what one rescore writes: only what differs from what is stored, so a
 * repeated rescore of unchanged facts writes nothing but clears `isProcessing`.
 */
export function planRescore(input: RescoreInput): RescorePlan {
  const { facts, previous, now } = input;
  const score = scoreUser(facts);
  const history: HistoryEntry[] = [];

  // The state the history last recorded: the stored one (which already reflects every
  // applied action), then each newly applied action's. An applied action's own outcome is
  // not it when a detection recorded after that action has moved the user since.
  let last: UserView = previous ?? { riskLevel: 'none', riskState: 'none', riskDetail: 'none' };
  // Every state the user passed through since the stored one: the same facts give the same
  // answer whether one rescore sees them or several do, one after another (R-X3).
  const path: Array<Pick<UserView, 'riskLevel' | 'riskState'>> = [last];
  for (const { action, before, after } of score.actionOutcomes) {
    if (action.appliedAt === undefined) {
      // R-S7, R-X3: facts recorded since the stored state moved the user before this action
      // (a detection and a dismiss seen by one rescore): that change is in history, as the
      // rescore between them would have written it. Facts the stored state is newer than
      // (an action whose row was written after a rescore saw them) are not a change since.
      const storedSince = previous?.riskLastUpdatedDateTime;
      if (
        before.at !== undefined &&
        (storedSince === undefined || before.at > storedSince) &&
        !sameView(last, before.view)
      ) {
        path.push(before.view);
        history.push({
          key: `${before.at}|s|${action.id}`,
          dateTime: before.at,
          initiatedBy: '',
          activity: { detail: before.view.riskDetail, riskEventTypes: before.types },
          ...before.view,
        });
        last = before.view;
      }
      path.push(after);
      // R-S7: every accepted admin action is recorded, even one that changes nothing; a
      // remediation event only when it changes the user.
      if (!isAdminAction(action.kind) && sameView(last, after)) continue;
      history.push({
        key: `${action.acceptedAt}|a|${action.id}`,
        actionId: action.id,
        dateTime: action.acceptedAt,
        initiatedBy: action.initiatedBy,
        activity: {
          detail: detailOf(action.kind),
          riskEventTypes: action.kind === 'confirmUserCompromised' ? ['adminConfirmedUserCompromised'] : [],
        },
        ...after,
      });
      last = after;
    }
  }
  const final = score.user;
  path.push(final);
  // R-S6: a user dismissed and then made atRisk again by a newer detection has changed
  // twice, even when one rescore sees both and the end state equals the stored one.
  const changed = path.some((view, i) => i > 0 && !sameView(path[i - 1]!, view));
  // R-D2: turned atRisk or confirmedCompromised at some step, even if a later action of the
  // same rescore closed it again (two rescores would have indexed it at the first).
  const turnedRisky = path.some(
    (view, i) => i > 0 && isActiveState(view.riskState) && path[i - 1]!.riskState !== view.riskState,
  );
  if (!sameView(last, final)) {
    history.push({
      key: `${now}|s`,
      dateTime: now,
      initiatedBy: '',
      activity: { detail: final.riskDetail, riskEventTypes: score.activeTypes },
      ...final,
    });
  }

  const detections = [...score.detections]
    .filter(([id, state]) => !sameDerived(input.storedDetections.get(id), state))
    .map(([id, state]) => ({ id, state }));
  const eventTypes = eventTypesBySignIn(facts);
  const signIns = [...score.signIns]
    .map(([id, view]) => ({ id, view: { ...view, riskEventTypes: eventTypes.get(id) ?? [] } }))
    .filter(({ id, view }) => {
      const stored = input.storedSignIns.get(id);
      return (
        !stored ||
        !sameDerived(stored, view) ||
        stored.riskLevelAggregated !== view.riskLevelAggregated ||
        !sameSet(stored.riskEventTypes ?? [], view.riskEventTypes)
      );
    });

  return {
    // R-S6: the timestamp moves only when level or state moves.
    user: {
      ...final,
      changed,
      turnedRisky,
      riskLastUpdatedDateTime: changed ? now : previous?.riskLastUpdatedDateTime,
    },
    detections,
    signIns,
    appliedActionIds: facts.actions.filter((a) => a.appliedAt === undefined).map((a) => a.id),
    history,
  };
}

function sameDerived(a: DerivedState | undefined, b: DerivedState): boolean {
  return a !== undefined && a.riskState === b.riskState && a.riskDetail === b.riskDetail;
}

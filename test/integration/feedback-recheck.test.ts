import { randomUUID } from 'node:crypto';
import { RestError, type QueueSendMessageOptions } from '@azure/storage-queue';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { acceptSignInAction, acceptUserAction, RETRY_WINDOW_MS } from '../../shared/engine/feedback';
import { ingestDetections, ingestSignIns } from '../../shared/engine/ingest';
import { handleRescoreMessage } from '../../shared/engine/rescore-worker';
import { readPendingAlerts } from '../../shared/storage/alert-store';
import { getStorage, queues } from '../../shared/storage/clients';
import { partitions } from '../../shared/storage/keys';
import { readUserSnapshot } from '../../shared/storage/user-store';
import { drainQueue, offlineDetection, useInProcessStorage } from '../helpers/in-process';
import { eventually } from '../helpers/service';
import { tenantId, tenantSeed, userId } from '../helpers/tenants';

/**
 * R-X6: every feedback call queues a recheck of its users before it records anything, so a
 * recorded action always has a rescore coming. Against a real Azurite, with no host: the
 * test takes the messages off the queue and hands them to the worker itself, and makes the
 * rescore queue's client fail the one send it names (storage failing between two calls).
 */
const N = 91;
const T = tenantId(N);
const ADMIN = userId(N, 1);
const BY_ADMIN = { initiatedBy: ADMIN };
const RECHECK_SECONDS = 1;

useInProcessStorage('feedback-recheck', tenantSeed(N, 'p2', 14), {
  FEEDBACK_RECHECK_SECONDS: String(RECHECK_SECONDS),
});
beforeAll(async () => {
  // Users 3 to 6 at risk (high), rescored.
  await ingestDetections(
    T,
    [3, 4, 5, 6].map((n) => offlineDetection(`risk-${n}`, userId(N, n))),
  );
  for (const message of await drain()) await handleRescoreMessage(message);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const rescoreQueue = () => getStorage().queue(queues.rescore);

const drain = (): Promise<unknown[]> => drainQueue(queues.rescore);

/** The recheck: invisible at first, then visible once its delay has passed. */
async function recheck(): Promise<unknown[]> {
  const { peekedMessageItems: now } = await rescoreQueue().peekMessages({ numberOfMessages: 32 });
  expect(now, 'nothing visible before the recheck delay').toEqual([]);
  expect((await rescoreQueue().getProperties()).approximateMessagesCount).toBeGreaterThan(0);
  return eventually(
    async () => {
      const messages = await drain();
      return messages.length > 0 ? messages : undefined;
    },
    (RECHECK_SECONDS + 10) * 1000,
    'the recheck to become visible',
  );
}

/** Makes the rescore queue refuse the sends `which` picks, as storage that has just gone away. */
function failSends(which: (options: QueueSendMessageOptions | undefined) => boolean): void {
  const queue = rescoreQueue();
  const send = queue.sendMessage.bind(queue);
  vi.spyOn(queue, 'sendMessage').mockImplementation(async (text, options) => {
    if (which(options)) throw new RestError('The server is busy.', { statusCode: 503 });
    return send(text, options);
  });
}
const delayed = (options: QueueSendMessageOptions | undefined) => (options?.visibilityTimeout ?? 0) > 0;

describe('R-X6: the recheck queued with every feedback call', () => {
  it('the immediate rescore cannot be queued once the action is recorded: the call succeeds, the operator is warned, the recheck applies it', async () => {
    const u = userId(N, 3);
    failSends((options) => !delayed(options));
    const warnings: string[] = [];
    await acceptUserAction(T, 'dismissUser', [u], BY_ADMIN, new Date(), { warn: (t) => warnings.push(t) });
    vi.restoreAllMocks();

    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(
        `rescore of user ${u} of tenant ${T} could not be queued .*The server is busy.*recheck applies it`,
      ),
    );
    const recorded = await readUserSnapshot(T, u);
    expect(recorded.user).toMatchObject({ riskLevel: 'high', isProcessing: true });
    expect(recorded.facts.actions.map((a) => [a.kind, a.appliedAt])).toEqual([['dismissUser', undefined]]);

    const messages = await recheck();
    expect(messages).toEqual([
      { type: 'rescoreUsers', tenantId: T, users: [{ userId: u, detectionIds: [] }] },
    ]);
    for (const message of messages) await handleRescoreMessage(message);
    const applied = await readUserSnapshot(T, u);
    expect(applied.user).toMatchObject({
      riskLevel: 'none',
      riskState: 'dismissed',
      riskDetail: 'adminDismissedAllRiskForUser',
      isProcessing: false,
    });
    expect(applied.facts.actions.map((a) => [a.kind, typeof a.appliedAt])).toEqual([
      ['dismissUser', 'string'],
    ]);
  });

  it("R-F3 / R-F7: the recheck names the confirmation's detection, so a user confirmed compromised is still alerted on", async () => {
    const u = userId(N, 7);
    failSends((options) => !delayed(options));
    await acceptUserAction(T, 'confirmUserCompromised', [u], BY_ADMIN);
    vi.restoreAllMocks();

    const messages = await recheck();
    expect(messages).toEqual([
      {
        type: 'rescoreUsers',
        tenantId: T,
        users: [{ userId: u, detectionIds: [expect.stringMatching(/^acc-/)] }],
      },
    ]);
    for (const message of messages) await handleRescoreMessage(message);
    const { user, facts } = await readUserSnapshot(T, u);
    expect(user).toMatchObject({ riskLevel: 'high', riskState: 'confirmedCompromised', isProcessing: false });
    const named = (messages[0] as { users: Array<{ detectionIds: string[] }> }).users[0]!.detectionIds[0];
    expect(facts.detections.map((d) => d.id)).toContain(named);
    expect((await readPendingAlerts(T)).map((p) => p.userId)).toContain(u);
  });

  it('the recheck cannot be queued: nothing is recorded and the call fails', async () => {
    const u = userId(N, 4);
    const before = await readUserSnapshot(T, u);
    failSends(delayed);
    await expect(acceptUserAction(T, 'dismissUser', [u], BY_ADMIN)).rejects.toThrow(/The server is busy/);
    vi.restoreAllMocks();

    const after = await readUserSnapshot(T, u);
    expect(after.user?.etag).toBe(before.user?.etag);
    expect(after.facts.actions).toEqual([]);
    expect((await rescoreQueue().getProperties()).approximateMessagesCount).toBe(0);
  });

  it('R-X3: after the action was applied, the recheck writes nothing', async () => {
    const u = userId(N, 5);
    await acceptUserAction(T, 'confirmUserSafe', [u], BY_ADMIN);
    const immediate = await drain();
    expect(immediate).toEqual([{ type: 'rescore', tenantId: T, userId: u, detectionIds: [] }]);
    for (const message of immediate) await handleRescoreMessage(message);
    const applied = await readUserSnapshot(T, u);
    expect(applied.user).toMatchObject({ riskState: 'confirmedSafe', isProcessing: false });

    const messages = await recheck();
    expect(messages).toEqual([
      { type: 'rescoreUsers', tenantId: T, users: [{ userId: u, detectionIds: [] }] },
    ]);
    expect(await handleRescoreMessage(messages[0])).toMatchObject({ outcome: 'rescoredUsers', wrote: 0 });
    expect((await readUserSnapshot(T, u)).user?.etag).toBe(applied.user?.etag);
  });
});

/** Makes the user partition's transactions answer 412 after `passThrough` decides whether they commit first. */
function failTransactions(userIdOfPartition: string, commitFirst: () => boolean): () => number {
  const client = getStorage().tables.of(partitions.users(T, userIdOfPartition));
  const submit = client.submitTransaction.bind(client);
  let calls = 0;
  vi.spyOn(client, 'submitTransaction').mockImplementation(async (actions) => {
    calls += 1;
    // The SDK retried a write whose answer was lost: the retry fails on the ETag its own first attempt changed.
    if (commitFirst()) await submit(actions);
    throw new RestError('The condition specified using HTTP conditional header(s) is not met.', {
      statusCode: 412,
    });
  });
  return () => calls;
}

describe('R-X6: a feedback transaction whose answer was lost', () => {
  it('committed, but answered 412: the action is recorded once and the call succeeds', async () => {
    const u = userId(N, 9);
    let first = true;
    failTransactions(u, () => (first ? ((first = false), true) : false));
    await acceptUserAction(T, 'dismissUser', [u], BY_ADMIN);
    vi.restoreAllMocks();

    const { user, facts } = await readUserSnapshot(T, u);
    expect(facts.actions.map((a) => a.kind)).toEqual(['dismissUser']);
    expect(user).toMatchObject({ isProcessing: true });
    await drain();
  });

  it('a user rewritten on every attempt: 503 with Retry-After, and the action is not recorded', async () => {
    const u = userId(N, 10);
    const calls = failTransactions(u, () => false);
    await expect(acceptUserAction(T, 'dismissUser', [u], BY_ADMIN)).rejects.toMatchObject({
      code: 'serviceUnavailable',
      retryAfterSeconds: 5,
      message: expect.stringMatching(/action was not recorded; retry shortly/),
    });
    expect(calls()).toBe(8);
    vi.restoreAllMocks();
    expect((await readUserSnapshot(T, u)).facts.actions).toEqual([]);
    await drain();
  });
});

describe('R-X6: a call retried with the same client-request-id (Graph SDKs retry a 503 so)', () => {
  const confirmations = async (u: string) => {
    const { facts } = await readUserSnapshot(T, u);
    return {
      actions: facts.actions.filter((a) => a.kind === 'confirmUserCompromised').length,
      detections: facts.detections.filter((d) => d.riskEventType === 'adminConfirmedUserCompromised').length,
    };
  };

  it('failed for one user after recording the other: the retry records the missing one and nothing twice', async () => {
    const [fine, failing] = [userId(N, 11), userId(N, 12)];
    const caller = { initiatedBy: ADMIN, clientRequestId: randomUUID() };
    // Storage refuses the failing user's transaction once (503), after the other user's committed.
    const client = getStorage().tables.of(partitions.users(T, failing));
    const submit = client.submitTransaction.bind(client);
    let refused = 0;
    vi.spyOn(client, 'submitTransaction').mockImplementation(async (actions) => {
      if (refused === 0 && JSON.stringify(actions).includes(failing)) {
        refused += 1;
        throw new RestError('The server is busy.', { statusCode: 503 });
      }
      return submit(actions);
    });
    await expect(acceptUserAction(T, 'confirmUserCompromised', [fine, failing], caller)).rejects.toThrow(
      /The server is busy/,
    );
    expect(refused).toBe(1);
    expect(await confirmations(fine)).toEqual({ actions: 1, detections: 1 });
    expect(await confirmations(failing)).toEqual({ actions: 0, detections: 0 });

    await acceptUserAction(T, 'confirmUserCompromised', [fine, failing], caller);
    vi.restoreAllMocks();
    expect(await confirmations(fine)).toEqual({ actions: 1, detections: 1 });
    expect(await confirmations(failing)).toEqual({ actions: 1, detections: 1 });
    // Both users are rescored (the retried one again, which changes nothing twice).
    for (const message of await drain()) await handleRescoreMessage(message);
    for (const u of [fine, failing])
      expect((await readUserSnapshot(T, u)).user).toMatchObject({
        riskState: 'confirmedCompromised',
        isProcessing: false,
      });
    expect((await readPendingAlerts(T)).filter((p) => p.userId === fine)).toHaveLength(1);
  });

  it('another call records again: a new client-request-id, none, or one reused after the retry window', async () => {
    const u = userId(N, 13);
    const [reused, fresh] = [randomUUID(), randomUUID()];
    const longAgo = new Date(Date.now() - RETRY_WINDOW_MS - 60_000);
    await acceptUserAction(T, 'dismissUser', [u], { initiatedBy: ADMIN, clientRequestId: reused }, longAgo);
    await acceptUserAction(T, 'dismissUser', [u], { initiatedBy: ADMIN, clientRequestId: reused });
    await acceptUserAction(T, 'dismissUser', [u], { initiatedBy: ADMIN, clientRequestId: fresh });
    await acceptUserAction(T, 'dismissUser', [u], { initiatedBy: ADMIN });
    // Within the window, the same id by another caller, or for another action, is another call.
    await acceptUserAction(T, 'dismissUser', [u], { initiatedBy: userId(N, 2), clientRequestId: reused });
    await acceptUserAction(T, 'confirmUserSafe', [u], { initiatedBy: ADMIN, clientRequestId: reused });
    const { facts } = await readUserSnapshot(T, u);
    expect(facts.actions.map((a) => [a.kind, a.initiatedBy]).sort()).toEqual(
      [
        ['confirmUserSafe', ADMIN],
        ['dismissUser', ADMIN],
        ['dismissUser', ADMIN],
        ['dismissUser', ADMIN],
        ['dismissUser', ADMIN],
        ['dismissUser', userId(N, 2)],
      ].sort(),
    );
    // And the same call again within the window is its retry.
    await acceptUserAction(T, 'dismissUser', [u], { initiatedBy: ADMIN, clientRequestId: fresh });
    expect((await readUserSnapshot(T, u)).facts.actions).toHaveLength(6);
    await drain();
  });

  it('R-F1 / R-X6: a call naming more sign-ins than a recent one with its client-request-id records the others', async () => {
    const u = userId(N, 6);
    const ids = ['crid-a', 'crid-b', 'crid-c'];
    await ingestSignIns(
      T,
      ids.map((id) => ({
        id,
        userId: u,
        userPrincipalName: 'user6@t91.example',
        createdDateTime: '2026-11-20T05:00:00.000Z',
        riskDetections: [{ riskEventType: 'anonymizedIPAddress', riskLevel: 'medium' as const }],
      })),
    );
    const caller = { initiatedBy: ADMIN, clientRequestId: randomUUID() };
    await acceptSignInAction(T, 'confirmSignInSafe', ['crid-a'], caller);
    // A script that sends one fixed header: crid-a again is the retry, the other sign-in is new.
    await acceptSignInAction(T, 'confirmSignInSafe', ['crid-a', 'crid-b'], caller);
    await acceptSignInAction(T, 'confirmSignInSafe', ['crid-c', 'crid-a'], caller);
    const { facts } = await readUserSnapshot(T, u);
    expect(
      facts.actions.flatMap((a) => (a.kind === 'confirmSignInSafe' ? [a.requestId] : [])).sort(),
    ).toEqual(ids);
    await drain();
  });

  it.each([
    { by: 'its immediate rescore', n: 8, immediateFails: false },
    { by: 'the recheck, when the immediate rescore cannot be queued', n: 14, immediateFails: true },
  ])(
    'R-F3 / R-F7: confirm compromised with a client-request-id reused after the window alerts through its new detection, by $by',
    async ({ n, immediateFails }) => {
      const u = userId(N, n);
      const caller = { initiatedBy: ADMIN, clientRequestId: randomUUID() };
      const afterRecheck = async () => {
        await new Promise((resolve) => setTimeout(resolve, (RECHECK_SECONDS + 1) * 1000));
        for (const message of await drain()) await handleRescoreMessage(message);
      };
      const longAgo = new Date(Date.now() - RETRY_WINDOW_MS - 60_000);
      await acceptUserAction(T, 'confirmUserCompromised', [u], caller, longAgo);
      await afterRecheck();
      const now = new Date();
      if (immediateFails) failSends((options) => !delayed(options));
      await acceptUserAction(T, 'confirmUserCompromised', [u], caller, now, { warn: () => undefined });
      vi.restoreAllMocks();
      if (immediateFails) await afterRecheck();
      else for (const message of await drain()) await handleRescoreMessage(message);
      const { user, facts } = await readUserSnapshot(T, u);
      expect(
        facts.detections.filter((d) => d.riskEventType === 'adminConfirmedUserCompromised'),
      ).toHaveLength(2);
      // The second confirmation's detection is newer than the first's, so it qualifies (R-E3, R-E4).
      expect(user?.lastAlertActivityDateTime).toBe(now.toISOString());
      await afterRecheck();
    },
  );
});

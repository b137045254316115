import { QueueClient, type QueueSendMessageResponse } from '@azure/storage-queue';
import { describe, expect, it, vi } from 'vitest';
import { MAX_DEFERRALS } from '../../shared/domain/messages';
import { ingestDetections } from '../../shared/engine/ingest';
import { listRiskDetections } from '../../shared/engine/reads';
import { handleRescoreMessage } from '../../shared/engine/rescore-worker';
import { loadSeed } from '../../shared/engine/seed';
import { readPendingAlerts, readWindow } from '../../shared/storage/alert-store';
import { getStorage, queues } from '../../shared/storage/clients';
import { keys, partitions } from '../../shared/storage/keys';
import { storageMetrics } from '../../shared/storage/metrics';
import { submitGroups } from '../../shared/storage/table';
import { getTenant } from '../../shared/storage/tenant-store';
import { readUserSnapshot } from '../../shared/storage/user-store';
import { drainQueue, offlineDetection, useInProcessStorage, withTablesDown } from '../helpers/in-process';
import { tenantId, tenantSeed, userId } from '../helpers/tenants';

/**
 * An ingestion call queues its users in messages of up to 32 (shared/domain/messages.ts),
 * and the worker rescores every user of such a message. Against a real Azurite, with no
 * host: the test takes the messages off the queue and hands them to the worker itself.
 */
const N = 71;
const T = tenantId(N);
useInProcessStorage('rescore-messages', tenantSeed(N, 'p2', 40));

describe('rescore messages of an ingestion call', () => {
  it('R-X6: one call over 40 users queues 2 messages, and the worker rescores all 40 users', async () => {
    const users = Array.from({ length: 40 }, (_, i) => userId(N, i + 1));
    const result = await ingestDetections(
      T,
      users.map((u, i) => offlineDetection(`batch-${i}`, u)),
    );
    expect(result).toEqual({ accepted: 40, duplicates: 0, usersQueued: 40 });

    const messages = await drainQueue(queues.rescore);
    expect(messages).toHaveLength(2);
    // Sent concurrently, so the queue may hold them in either order.
    expect(messages.map((m) => (m as { users: unknown[] }).users.length).sort((a, b) => b - a)).toEqual([
      32, 8,
    ]);
    for (const message of messages)
      expect(await handleRescoreMessage(message)).toMatchObject({
        outcome: 'rescoredUsers',
        wrote: expect.any(Number),
      });

    for (const u of users) {
      const { user } = await readUserSnapshot(T, u);
      expect(user).toMatchObject({ riskLevel: 'high', riskState: 'atRisk', isProcessing: false });
    }
  });

  it('R-X6: a user whose rescore fails does not stop the others; the message throws, so the queue retries it', async () => {
    const [broken, fine] = [userId(N, 50), userId(N, 51)];
    await ingestDetections(T, [offlineDetection('partial-1', fine, { riskLevel: 'medium' })]);
    await drainQueue(queues.rescore);
    // A detection row that cannot be read: the broken user's rescore throws on it.
    await submitGroups(getStorage().tables, [
      [
        [
          'upsert',
          {
            partitionKey: partitions.facts(T, broken),
            rowKey: keys.detection(broken, 'bad'),
            rowType: 'detection',
          },
        ],
      ],
    ]);
    const message = {
      type: 'rescoreUsers',
      tenantId: T,
      users: [
        { userId: broken, detectionIds: ['bad'] },
        { userId: fine, detectionIds: ['partial-1'] },
      ],
    };
    // The message names the first cause: the host logs it, and it is what an operator sees
    // of a message that ends in the poison queue.
    await expect(handleRescoreMessage(message)).rejects.toThrow(
      /1 of 2 users of the message could not be rescored \(first: Invalid stored row: id: .*\); the queue will retry$/,
    );
    const { user } = await readUserSnapshot(T, fine);
    expect(user).toMatchObject({ riskLevel: 'medium', riskState: 'atRisk', isProcessing: false });
  });

  it('R-X2: a message over its limits goes to the poison queue with the field named, and nobody is rescored', async () => {
    const message = {
      type: 'rescoreUsers',
      tenantId: T,
      users: Array.from({ length: 33 }, (_, i) => ({ userId: userId(N, i + 1), detectionIds: [] })),
    };
    const outcome = await handleRescoreMessage(message);
    expect(outcome).toMatchObject({ outcome: 'poisoned', reason: expect.stringContaining('users') });
    const poisoned = await drainQueue(`${queues.rescore}-poison`);
    expect(poisoned).toEqual([{ reason: (outcome as { reason: string }).reason, message }]);
    expect(await drainQueue(queues.rescore)).toEqual([]);
  });
});

describe('R-X6: table storage failing on the last delivery of a rescore message', () => {
  it('puts its users back on the queue for minutes later instead of letting the host poison them', async () => {
    const u = userId(N, 60);
    await ingestDetections(T, [offlineDetection('deferred-1', u)]);
    const [message] = await drainQueue(queues.rescore);
    const sent = vi.spyOn(QueueClient.prototype, 'sendMessage');
    try {
      const [early, last, lastAllowed, exhausted] = await withTablesDown(() =>
        Promise.allSettled([
          // Not the last delivery: it throws, and the host delivers it again.
          handleRescoreMessage(message, 4),
          handleRescoreMessage(message, 5),
          // Put back once less than it may be: it goes back a last time.
          handleRescoreMessage({ ...(message as object), deferrals: MAX_DEFERRALS - 1 }, 5),
          // Put back as often as it may be: the host poisons it, where an operator sees it.
          handleRescoreMessage({ ...(message as object), deferrals: MAX_DEFERRALS }, 5),
        ]),
      );
      expect(early.status).toBe('rejected');
      expect(exhausted.status).toBe('rejected');
      expect(lastAllowed).toMatchObject({
        status: 'fulfilled',
        value: { outcome: 'deferred', deferrals: MAX_DEFERRALS, delaySeconds: 900 },
      });
      expect(last).toEqual({
        status: 'fulfilled',
        value: {
          outcome: 'deferred',
          users: 1,
          deferrals: 1,
          delaySeconds: 60,
          cause: expect.stringMatching(/ECONNREFUSED|connect/i) as unknown,
        },
      });
      // The messages put back: the first, with the user and its detection, invisible for a
      // minute; the last one allowed, for a quarter of an hour.
      expect(sent).toHaveBeenCalledTimes(2);
      const puts = sent.mock.calls.map(([text, options], i) => ({
        message: JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as { deferrals: number },
        options,
        result: sent.mock.results[i]!.value as Promise<QueueSendMessageResponse>,
      }));
      const [first, lastOne] = puts.sort((a, b) => a.message.deferrals - b.message.deferrals);
      expect(first!.options).toEqual({ visibilityTimeout: 60 });
      expect(lastOne!.options).toEqual({ visibilityTimeout: 900 });
      expect(lastOne!.message.deferrals).toBe(MAX_DEFERRALS);
      const again = first!.message;
      expect(again).toEqual({
        type: 'rescoreUsers',
        tenantId: T,
        users: [{ userId: u, detectionIds: ['deferred-1'] }],
        deferrals: 1,
      });
      // Nothing poisoned (the host creates the poison queue only when it poisons).
      const poisonQueue = getStorage().queue(`${queues.rescore}-poison`);
      expect((await poisonQueue.exists()) ? await drainQueue(poisonQueue.name) : []).toEqual([]);
      // The put-backs themselves are taken off the queue here (they would come round later).
      for (const put of puts) {
        const { messageId, popReceipt } = await put.result;
        await getStorage().queue(queues.rescore).deleteMessage(messageId, popReceipt);
      }

      // Storage is back when it comes round: the user is rescored.
      expect(await handleRescoreMessage(again)).toMatchObject({ outcome: 'rescoredUsers', wrote: 1 });
      const { user } = await readUserSnapshot(T, u);
      expect(user).toMatchObject({ riskLevel: 'high', riskState: 'atRisk', isProcessing: false });
    } finally {
      sent.mockRestore();
    }
  });
});

describe('$filter with an instant between two whole milliseconds', () => {
  it('eq matches nothing, and is answered without reading storage; ge still finds the rows after it', async () => {
    const u = userId(N, 61);
    await ingestDetections(T, [offlineDetection('between-ms-1', u)]);
    await drainQueue(queues.rescore);
    const tenant = (await getTenant(T))!;
    const url = (filter: string) =>
      `https://riskloop.example/v1.0/identityProtection/riskDetections?$filter=${encodeURIComponent(filter)}`;
    storageMetrics.reset();
    const none = await listRiskDetections({
      tenant,
      url: url(`userId eq '${u}' and activityDateTime eq 2026-11-20T05:00:00.0000001Z`),
    });
    expect(none.value).toEqual([]);
    expect(storageMetrics.tableRequests).toBe(0);
    const after = await listRiskDetections({
      tenant,
      url: url(`userId eq '${u}' and activityDateTime ge 2026-11-20T04:59:59.9999999Z`),
    });
    expect(after.value.map((d) => d.id)).toEqual(['between-ms-1']);
  });
});

describe('alert decisions of an unlicensed tenant (R-E1, R-E3, R-X3)', () => {
  it('a detection sent again after the tenant gains its licence is not new; the next new one alerts', async () => {
    const n = 72;
    const t = tenantId(n);
    const u = userId(n, 3);
    await loadSeed(tenantSeed(n, 'free', 5));
    const detection = (id: string, activityDateTime: string) => ({
      id,
      userId: u,
      riskEventType: 'leakedCredentials',
      riskLevel: 'high' as const,
      detectionTimingType: 'offline' as const,
      activity: 'user' as const,
      activityDateTime,
      detectedDateTime: activityDateTime,
    });
    const ingestAndRescore = async (d: ReturnType<typeof detection>) => {
      await ingestDetections(t, [d]);
      for (const message of await drainQueue(queues.rescore)) await handleRescoreMessage(message);
    };

    await ingestAndRescore(detection('before-licence', '2026-11-20T05:10:00.000Z'));
    const { user } = await readUserSnapshot(t, u);
    expect(user).toMatchObject({
      riskLevel: 'high',
      alertDecided: [['2026-11-20T05:10:00.000Z', 'before-licence']],
    });
    expect(user?.lastAlertActivityDateTime).toBeUndefined();
    expect(await readPendingAlerts(t)).toEqual([]);

    await loadSeed(tenantSeed(n, 'p2', 5));
    await ingestAndRescore(detection('before-licence', '2026-11-20T05:10:00.000Z'));
    expect((await readUserSnapshot(t, u)).user?.lastAlertActivityDateTime).toBeUndefined();
    expect(await readPendingAlerts(t)).toEqual([]);

    await ingestAndRescore(detection('after-licence', '2026-11-20T05:20:00.000Z'));
    expect((await readUserSnapshot(t, u)).user).toMatchObject({
      lastAlertActivityDateTime: '2026-11-20T05:20:00.000Z',
      alertDecided: [],
    });
    expect((await readPendingAlerts(t)).map((p) => p.userId)).toEqual([u]);
    expect(await readWindow(t)).toMatchObject({ state: 'open' });
  });
});

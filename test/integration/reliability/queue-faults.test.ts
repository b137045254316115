import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { packRescores } from '../../../shared/domain/messages';
import { eventually, settledUser, startService, type TestService } from '../../helpers/service';
import { startSendGridCapture, type SendGridCapture } from '../../helpers/sendgrid-capture';
import { SA, tenantId, tenantSeed, userId } from '../../helpers/tenants';
import { send, snapshotStorage, storageDiff, waitUntilQueuesEmpty, type StorageSnapshot } from './support';

// Shared hosts on a busy 2-core machine: waits are bounded by eventually(), not by vitest's default.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/**
 * R-X2: malformed and oversized messages end in `<queue>-poison` with their reason logged,
 * block nothing and change nothing. R-X3: every message type delivered twice and out of
 * order leaves the same state as a single in-order delivery, and sends no second email.
 */

let service: TestService;
let capture: SendGridCapture;
const RESCORE = 'riskloop-rescore';
const ALERTS = 'riskloop-alerts';
/**
 * R-E5's window, longer than the default 5 s: users 3 and 4 must qualify in one window in
 * both tenants while one worker also takes every duplicate of the second tenant.
 */
const WINDOW_MS = 15_000;

beforeAll(async () => {
  capture = await startSendGridCapture();
  service = await startService({
    SENDGRID_API_KEY: 'SG.queue-faults-test-key',
    SENDGRID_BASE_URL: capture.url,
    ALERT_WINDOW_SECONDS: String(WINDOW_MS / 1000),
  });
});

afterAll(async () => {
  await service?.stop();
  await capture?.stop();
});

function queue(name: string): QueueClient {
  return new QueueClient(service.azurite.connectionString, name);
}
const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const enqueueJson = (name: string, payload: unknown): Promise<unknown> =>
  queue(name).sendMessage(encode(JSON.stringify(payload)));

async function peekAll(name: string): Promise<string[]> {
  const texts: string[] = [];
  const client = queue(name);
  if (!(await client.exists())) return texts;
  // Peek shows at most 32; the tests below poison fewer.
  const peeked = await client.peekMessages({ numberOfMessages: 32 });
  for (const m of peeked.peekedMessageItems)
    texts.push(Buffer.from(m.messageText, 'base64').toString('utf8'));
  return texts;
}

const at = (minute: number): string => new Date(Date.UTC(2026, 10, 20, 5, minute)).toISOString();

describe('R-X2: malformed queue messages', () => {
  it('go to <queue>-poison with the reason logged, change nothing, and never block the queue', async () => {
    await service.seed(tenantSeed(101, 'p2', 4));
    await waitUntilQueuesEmpty(service);
    const before = await snapshotStorage(service.azurite.connectionString);
    const t = tenantId(101);
    const u = userId(101, 2);
    const cases: Array<{ queue: string; text: string; reason: RegExp }> = [
      { queue: RESCORE, text: encode('hello'), reason: /message: Invalid input/ },
      { queue: RESCORE, text: encode('{}'), reason: /type/ },
      { queue: RESCORE, text: encode('[1,2,3]'), reason: /message/ },
      { queue: RESCORE, text: encode('null'), reason: /message/ },
      { queue: RESCORE, text: encode('{"type":"rescore"}'), reason: /tenantId/ },
      {
        queue: RESCORE,
        text: encode(JSON.stringify({ type: 'rescore', tenantId: 'x', userId: u })),
        reason: /tenantId: must be a GUID/,
      },
      {
        queue: RESCORE,
        text: encode(JSON.stringify({ type: 'alertWindow', tenantId: t, windowId: 'w' })),
        reason: /type/,
      },
      { queue: RESCORE, text: '%%% not base64 %%%', reason: /not valid base64/ },
      // Oversized: near the queue's 64 KiB limit, and more detection ids than a message may carry.
      {
        queue: RESCORE,
        text: encode(
          JSON.stringify({
            type: 'rescore',
            tenantId: t,
            userId: u,
            detectionIds: Array.from({ length: 1001 }, (_, i) => `d${i}`),
            pad: 'x'.repeat(36_000),
          }),
        ),
        reason: /detectionIds/,
      },
      { queue: ALERTS, text: encode('{"type":"alertWindow"}'), reason: /tenantId/ },
      {
        queue: ALERTS,
        text: encode(JSON.stringify({ type: 'alertWindow', tenantId: t, windowId: 'x'.repeat(65) })),
        reason: /windowId/,
      },
      { queue: ALERTS, text: encode('42'), reason: /message/ },
      { queue: ALERTS, text: 'not/base64!', reason: /not valid base64/ },
    ];
    for (const c of cases) {
      expect(c.text.length, 'a test message must fit the queue').toBeLessThan(64 * 1024);
      await queue(c.queue).sendMessage(c.text);
    }
    // A good message behind them is still processed.
    const ingester = await service.token({ tenantId: t, roles: ['IdentityRiskEvent.ReadWrite.All'] });
    const ingest = await send(
      service,
      ingester,
      'POST',
      '/riskloop/riskDetections',
      JSON.stringify({
        value: [
          {
            id: 'after-poison',
            userId: userId(101, 3),
            riskEventType: 'leakedCredentials',
            riskLevel: 'low',
            detectionTimingType: 'offline',
            activity: 'user',
            activityDateTime: at(1),
            detectedDateTime: at(1),
          },
        ],
      }),
    );
    expect(ingest.status).toBe(202);

    const expected = (name: string) => cases.filter((c) => c.queue === name).length;
    const poisoned = await eventually(
      async () => {
        const rescore = await peekAll(`${RESCORE}-poison`);
        const alerts = await peekAll(`${ALERTS}-poison`);
        return rescore.length === expected(RESCORE) && alerts.length === expected(ALERTS)
          ? [...rescore, ...alerts]
          : undefined;
      },
      30_000,
      'every malformed message in a poison queue',
    );
    expect(poisoned).toHaveLength(cases.length);
    // Each one's reason is in the log (the app's validation message, or the host's decoding one).
    const log = service.host.output();
    for (const c of cases) expect(log, String(c.reason)).toMatch(c.reason);
    // The app's own poison messages carry their reason too.
    expect(poisoned.filter((p) => p.includes('"reason"')).length).toBe(
      cases.filter((c) => !/base64/.test(String(c.reason))).length,
    );
    // None was retried: each failed once at most.
    expect(log).not.toMatch(/failed \d+ time\(s\)/);

    const user = await eventually(
      async () => {
        const res = await send(
          service,
          ingester.replace(/^/, ''),
          'GET',
          `/identityProtection/riskyUsers/${userId(101, 3)}`,
        );
        return res.status === 200 ? res : undefined;
      },
      30_000,
      'the good message behind the bad ones',
    );
    expect(user.status).toBe(200);
    await waitUntilQueuesEmpty(service);

    // Nothing else changed: the only new rows are the good detection's and its user's.
    const after = await snapshotStorage(service.azurite.connectionString);
    const changes = storageDiff(before, after).filter(
      (c) =>
        !c.includes(userId(101, 3)) && !c.includes('after-poison') && !/^queue riskloop-\w+-poison:/.test(c),
    );
    expect(changes).toEqual([]);
  });
});

describe('R-X3: duplicate and out-of-order delivery', () => {
  interface Tenant {
    n: number;
    id: string;
    admin: string;
    ingester: string;
  }

  async function tenant(n: number): Promise<Tenant> {
    const seed = tenantSeed(n, 'p2', 6);
    seed.settings = {
      usersAtRiskAlert: { minRiskLevel: 'medium', disabledRecipientIds: [], customRecipients: [] },
    };
    await service.seed(seed);
    return {
      n,
      id: tenantId(n),
      admin: await service.token({ tenantId: tenantId(n), objectId: userId(n, 1), wids: [SA] }),
      ingester: await service.token({ tenantId: tenantId(n), roles: ['IdentityRiskEvent.ReadWrite.All'] }),
    };
  }

  /** What a feedback action queues: one user. */
  const rescoreOf = (t: Tenant, user: number) => ({
    type: 'rescore',
    tenantId: t.id,
    userId: userId(t.n, user),
    detectionIds: [],
  });
  /** What an ingestion call queues: its users, packed as the service packs them. */
  const ingestedOf = (t: Tenant, user: number, detectionIds: string[]) =>
    packRescores(t.id, new Map([[userId(t.n, user), detectionIds]]))[0];

  /** The same API calls for each tenant; `duplicate` re-delivers every message twice, in reverse order, as it goes. */
  async function scenario(t: Tenant, duplicate: boolean): Promise<void> {
    const delivered: unknown[] = [];
    const redeliver = async (...messages: unknown[]) => {
      delivered.push(...messages);
      if (!duplicate) return;
      for (const m of [...delivered].reverse()) await enqueueJson(RESCORE, m);
      for (const m of messages) await enqueueJson(RESCORE, m);
    };
    const call = async (token: string, path: string, body: unknown, status: number) => {
      const res = await send(service, token, 'POST', path, JSON.stringify(body));
      expect(res.status, `${path} ${res.text}`).toBe(status);
    };
    await call(
      t.ingester,
      '/riskloop/signIns',
      {
        value: [
          {
            id: `s1-${t.n}`,
            userId: userId(t.n, 3),
            userPrincipalName: `user3@t${t.n}.example`,
            createdDateTime: at(10),
            riskDetections: [{ riskEventType: 'anonymizedIPAddress', riskLevel: 'high' }],
          },
        ],
      },
      202,
    );
    await redeliver(ingestedOf(t, 3, [`s1-${t.n}:rt0`]));
    await call(
      t.ingester,
      '/riskloop/riskDetections',
      {
        value: [
          {
            id: `d1-${t.n}`,
            userId: userId(t.n, 4),
            riskEventType: 'leakedCredentials',
            riskLevel: 'high',
            detectionTimingType: 'offline',
            activity: 'user',
            activityDateTime: at(12),
            detectedDateTime: at(12),
          },
        ],
      },
      202,
    );
    await redeliver(ingestedOf(t, 4, [`d1-${t.n}`]));
    // d1 scored on its own before the dismiss is recorded, in both tenants.
    await applied(t, 4, 'high');
    await waitForEmails(t, 1);
    await call(t.admin, '/identityProtection/riskyUsers/dismiss', { userIds: [userId(t.n, 4)] }, 204);
    await redeliver(rescoreOf(t, 4));
    await call(t.admin, '/auditLogs/signIns/confirmSafe', { requestIds: [`s1-${t.n}`] }, 204);
    await redeliver(rescoreOf(t, 3));
    // The next fact for user 3 arrives once the feedback is applied, in both tenants: were the
    // two to meet in one rescore in one tenant only, its history would legitimately differ.
    await applied(t, 3);
    // An offline result for an older activity: new risk, but no alert (R-E4).
    await call(
      t.ingester,
      '/riskloop/riskDetections',
      {
        value: [
          {
            id: `d2-${t.n}`,
            userId: userId(t.n, 3),
            riskEventType: 'leakedCredentials',
            riskLevel: 'medium',
            detectionTimingType: 'offline',
            activity: 'user',
            activityDateTime: at(5),
            detectedDateTime: at(20),
          },
        ],
      },
      202,
    );
    await redeliver(ingestedOf(t, 3, [`d2-${t.n}`]));
    await waitUntilQueuesEmpty(service);
  }

  const applied = (t: Tenant, user: number, riskLevel?: string) =>
    settledUser(service, t.admin, userId(t.n, user), riskLevel);

  const emailsOf = (t: Tenant) =>
    capture.requests.filter((r) => JSON.stringify(r.body).includes(`Tenant ${t.n}`));
  async function waitForEmails(t: Tenant, n: number): Promise<void> {
    await eventually(
      () => (emailsOf(t).length >= n ? true : undefined),
      WINDOW_MS + 15_000,
      `${n} email(s) for tenant ${t.n}`,
    );
  }

  /**
   * The tenant's partition as state: ETags and service timestamps dropped, the tenant's and
   * users' ids replaced by placeholders, and every time riskloop stamped (as opposed to the
   * scenario's own 2026-11-20T05:xx times), random id and inverted time masked.
   */
  function normalized(snapshot: StorageSnapshot, t: Tenant): string[] {
    const rows: string[] = [];
    for (const [key, json] of snapshot.entities) {
      if (!key.startsWith(`${t.id}|`)) continue;
      const { etag: _etag, timestamp: _timestamp, ...entity } = JSON.parse(json) as Record<string, unknown>;
      rows.push(
        JSON.stringify(entity)
          .replace(/\d{4}(\d{4})-1111-4222-8333-\d{12}/g, 'USER$1')
          .split(t.id)
          .join('TENANT')
          // Random ids before the tenant's number: a UUID can hold `-112`, which is not the tenant.
          .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UUID')
          // The user partition is a hash of the user id, which differs between the tenants.
          .replace(/TENANT\|u\|[0-9a-f]"/g, 'TENANT|u|BUCKET"')
          .split(`-${t.n}`)
          .join('-N')
          .split(`t${t.n}.example`)
          .join('tN.example')
          .split(`Tenant ${t.n}`)
          .join('Tenant N')
          .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, (time) =>
            time.startsWith('2026-11-20T05:') ? time : 'TIME',
          )
          .replace(/\d{16}/g, 'INVERTED'),
      );
    }
    return rows.sort();
  }

  it('every message type twice and out of order: the same final state, no second email', async () => {
    const reference = await tenant(111);
    const duplicated = await tenant(112);
    await Promise.all([scenario(reference, false), scenario(duplicated, true)]);

    // The alert window message, delivered again for the window that was sent, and for one that never existed.
    const notifications = await send(service, duplicated.admin, 'GET', '/riskloop/notifications');
    const sent = (notifications.json as { value: Array<{ id: string; outcome: string }> }).value;
    expect(sent.map((s) => s.outcome)).toEqual(['sent']);
    const windowMessage = { type: 'alertWindow', tenantId: duplicated.id, windowId: sent[0]!.id };
    // Taken before the late duplicates are queued, so that none of them can have acted yet.
    const settled = await snapshotStorage(service.azurite.connectionString);
    await enqueueJson(ALERTS, windowMessage);
    await enqueueJson(ALERTS, windowMessage);
    await enqueueJson(ALERTS, { ...windowMessage, windowId: 'never-opened' });
    // And every rescore message of the scenario once more, after everything settled.
    for (const user of [3, 4])
      await enqueueJson(
        RESCORE,
        ingestedOf(duplicated, user, [`d1-${duplicated.n}`, `d2-${duplicated.n}`, `s1-${duplicated.n}:rt0`]),
      );
    await new Promise((r) => setTimeout(r, 1_000));
    await waitUntilQueuesEmpty(service);
    // Give a (wrongly) reopened alert window time to close and send.
    await new Promise((r) => setTimeout(r, WINDOW_MS + 2_000));
    await waitUntilQueuesEmpty(service);
    const final = await snapshotStorage(service.azurite.connectionString);

    expect(emailsOf(reference)).toHaveLength(1);
    expect(emailsOf(duplicated)).toHaveLength(1);
    expect(normalized(final, duplicated)).toEqual(normalized(final, reference));
    // Late duplicates change nothing at all, not even a timestamp.
    expect(
      storageDiff(
        {
          entities: new Map([...settled.entities].filter(([k]) => k.startsWith(duplicated.id))),
          queues: new Map(),
        },
        {
          entities: new Map([...final.entities].filter(([k]) => k.startsWith(duplicated.id))),
          queues: new Map(),
        },
      ),
    ).toEqual([]);
  });
});

import { odata, TableClient } from '@azure/data-tables';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { catalogue } from '../../../shared/domain/catalogue';
import { partitions, tableOf } from '../../../shared/storage/keys';
import { startService, type TestService } from '../../helpers/service';
import { SA, tenantId, tenantSeed, userId } from '../../helpers/tenants';
import { send, snapshotStorage, waitUntilQueuesEmpty } from './support';

// Shared hosts on a busy 2-core machine: waits are bounded by eventually(), not by vitest's default.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/**
 * The other side of R-X1: input at the edges of what is valid — the longest ids, every
 * character the id alphabet allows, any Unicode (lone surrogates included) in free text,
 * dates from year 1000 to 9999, the most real-time detections a sign-in may carry — is
 * accepted (202), scored by the worker (nothing poisoned, no failed invocation), and every
 * stored detection and sign-in can be read back by its id.
 */

const T = 81;
let service: TestService;
let admin: string;
let ingester: string;
let tried = 0;

beforeAll(async () => {
  service = await startService();
  await service.seed(tenantSeed(T, 'p2', 4));
  admin = await service.token({ tenantId: tenantId(T), objectId: userId(T, 1), wids: [SA] });
  ingester = await service.token({ tenantId: tenantId(T), roles: ['IdentityRiskEvent.ReadWrite.All'] });
});

afterAll(async () => {
  console.log(`[valid-edges] ${tried} batches tried`);
  await service?.stop();
});

const idChars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-'.split('');
/** Valid external ids, biased towards the 128-character maximum. */
const externalId = fc
  .oneof(
    fc.string({ unit: fc.constantFrom(...idChars), minLength: 120, maxLength: 128 }),
    fc.string({ unit: fc.constantFrom(...idChars), minLength: 1, maxLength: 128 }),
  )
  .filter((id) => /[^.]/.test(id)); // dots-only ids cannot travel in a URL path, so they are refused
const anyText = (max: number) => fc.string({ unit: 'binary', maxLength: max });
const dateTime = fc
  // Event times are not in the future (R-E4).
  .date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date(), noInvalidDate: true })
  .chain((d) =>
    fc.constantFrom(
      d.toISOString(),
      d.toISOString().replace('Z', '+00:00'),
      d.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ),
  );
const level = fc.constantFrom('low', 'medium', 'high');

const realtimeTypes = catalogue.filter((e) => e.activity === 'signin' && e.timings.includes('realtime'));
const ingestible = catalogue.filter((e) => e.systemOnly !== true);

const realtimeDetection = fc
  .tuple(fc.constantFrom(...realtimeTypes), level)
  .map(([e, l]) => ({ riskEventType: e.riskEventType, riskLevel: e.fixedLevel ?? l }));

const location = fc.record(
  { city: anyText(200), state: anyText(200), countryOrRegion: anyText(200) },
  { requiredKeys: [] },
);

const users = [2, 3].map((n) => userId(T, n));

const signIn = fc.record(
  {
    id: externalId,
    userId: fc.constantFrom(...users),
    userPrincipalName: anyText(256).filter((s) => s.length > 0),
    userDisplayName: anyText(256),
    createdDateTime: dateTime,
    ipAddress: anyText(64),
    location,
    status: fc.record(
      { errorCode: fc.integer(), failureReason: anyText(1000) },
      { requiredKeys: ['errorCode'] },
    ),
    riskDetections: fc.array(realtimeDetection, { maxLength: 20 }),
  },
  { requiredKeys: ['id', 'userId', 'userPrincipalName', 'createdDateTime'] },
);

const detection = fc
  .tuple(
    fc.constantFrom(...ingestible),
    externalId,
    externalId,
    fc.constantFrom(...users),
    level,
    dateTime,
    dateTime,
    fc.record(
      { ipAddress: anyText(64), location, source: anyText(100), additionalInfo: anyText(8_000) },
      { requiredKeys: [] },
    ),
  )
  .chain(([entry, id, requestId, user, l, activityAt, detectedAt, extra]) =>
    fc.constantFrom(...entry.timings).map((timing) => ({
      id,
      userId: user,
      // A sign-in detection names a sign-in of its own user (R-X1): the ids of the two users' differ.
      ...(entry.activity === 'signin'
        ? { requestId: `${users.indexOf(user)}-${requestId}`.slice(0, 128) }
        : {}),
      riskEventType: entry.riskEventType,
      riskLevel: entry.fixedLevel ?? l,
      detectionTimingType: timing,
      activity: entry.activity,
      activityDateTime: activityAt,
      detectedDateTime: detectedAt,
      ...extra,
    })),
  );

function failedInvocations(): string[] {
  return service.host
    .output()
    .split('\n')
    .filter((line) => /Failed, Id=|poisoned|moving message|unhandled error/.test(line));
}

async function expectReadable(path: string): Promise<void> {
  const res = await send(service, admin, 'GET', path);
  expect(res.status, `${path} → ${res.status} ${res.text.slice(0, 300)}`).toBe(200);
}

describe('valid input at the edges is accepted, scored and readable (R-X1)', () => {
  it('sign-ins and detections', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(signIn, { minLength: 1, maxLength: 4 }),
        fc.array(detection, { minLength: 1, maxLength: 4 }),
        async (signIns, detections) => {
          tried += 1;
          const s = await send(
            service,
            ingester,
            'POST',
            '/riskloop/signIns',
            JSON.stringify({ value: signIns }),
          );
          expect(s.status, s.text.slice(0, 500)).toBe(202);
          const d = await send(
            service,
            ingester,
            'POST',
            '/riskloop/riskDetections',
            JSON.stringify({ value: detections }),
          );
          expect(d.status, d.text.slice(0, 500)).toBe(202);
          for (const item of signIns) {
            await expectReadable(`/auditLogs/signIns/${encodeURIComponent(item.id)}`);
          }
          for (const item of detections) {
            await expectReadable(`/identityProtection/riskDetections/${encodeURIComponent(item.id)}`);
          }
        },
      ),
      { numRuns: 25 },
    );
    await waitUntilQueuesEmpty(service);
    expect(failedInvocations()).toEqual([]);
    const { queues } = await snapshotStorage(service.azurite.connectionString);
    expect([...queues].filter(([name, count]) => name.endsWith('-poison') && count > 0)).toEqual([]);

    // Every real-time detection riskloop made from those sign-ins reads back by its id, too.
    const list = await send(service, admin, 'GET', '/identityProtection/riskDetections?$top=500');
    expect(list.status).toBe(200);
    const ids = (list.json as { value: Array<{ id: string }> }).value.map((v) => v.id);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids)
      await expectReadable(`/identityProtection/riskDetections/${encodeURIComponent(id)}`);
  });

  // More actions than one transaction holds: each applied action is two rows (its history
  // item and its appliedAt), written with the user's row. A call may name 60 sign-ins of one
  // user, and one remediation call may carry hundreds of one user's events.
  it('R-S7/R-X6: the most actions a user can be given at once are all applied and the admin actions recorded (60 sign-ins, 150 remediations)', async () => {
    const user = userId(T, 4);
    const signIns = Array.from({ length: 60 }, (_, i) => ({
      id: `many-actions-${i}`,
      userId: user,
      userPrincipalName: 'user4@t81.example',
      createdDateTime: new Date(Date.UTC(2026, 10, 20, 6, 0, i)).toISOString(),
      status: { errorCode: 0 },
      riskDetections: [{ riskEventType: 'unfamiliarFeatures', riskLevel: 'medium' }],
    }));
    /** Posts, expects `status`, and waits until the worker has done everything it queued. */
    const postAndSettle = async (token: string, path: string, body: unknown, status: number) => {
      const res = await send(service, token, 'POST', path, JSON.stringify(body));
      expect(res.status, res.text).toBe(status);
      await waitUntilQueuesEmpty(service);
    };
    await postAndSettle(ingester, '/riskloop/signIns', { value: signIns }, 202);
    const requestIds = signIns.map((s) => s.id);
    await postAndSettle(admin, '/auditLogs/signIns/confirmSafe', { requestIds }, 204);
    for (const s of signIns) {
      const read = await send(service, admin, 'GET', `/auditLogs/signIns/${s.id}`);
      expect((read.json as { riskState: string }).riskState, s.id).toBe('confirmedSafe');
    }

    // New risk, so that the resets have something to close (R-F5); the first closes it.
    const detection = {
      id: 'many-actions-risk',
      userId: user,
      riskEventType: 'leakedCredentials',
      riskLevel: 'medium',
      detectionTimingType: 'offline',
      activity: 'user',
      activityDateTime: new Date(Date.UTC(2026, 10, 21, 5)).toISOString(),
      detectedDateTime: new Date(Date.UTC(2026, 10, 21, 5)).toISOString(),
    };
    await postAndSettle(ingester, '/riskloop/riskDetections', { value: [detection] }, 202);
    const remediations = Array.from({ length: 150 }, (_, i) => ({
      userId: user,
      kind: 'adminPasswordReset',
      occurredDateTime: new Date(Date.UTC(2026, 10, 21, 6, 0, 0, i)).toISOString(),
    }));
    await postAndSettle(ingester, '/riskloop/remediations', { value: remediations }, 202);

    const risky = await send(service, admin, 'GET', `/identityProtection/riskyUsers/${user}`);
    expect(risky.json).toMatchObject({ isProcessing: false });
    // R-S7: every admin action is in the user's history, dated when it was accepted: 60
    // confirmations accepted together. Of the 150 resets (recorded when stored, R-S5, in
    // transactions of at most 100 rows), the first remediated the user: one item; the
    // others changed nothing, and a remediation event that changes nothing has none.
    const dated = new Map<string, number>();
    let next: string | undefined = `/identityProtection/riskyUsers/${user}/history?$top=100`;
    while (next) {
      const page = await send(service, admin, 'GET', next);
      expect(page.status, page.text.slice(0, 300)).toBe(200);
      const body = page.json as {
        value: Array<{ riskLastUpdatedDateTime: string; activity: { detail: string } }>;
        '@odata.nextLink'?: string;
      };
      for (const h of body.value) {
        const key = `${h.activity.detail} ${h.riskLastUpdatedDateTime}`;
        dated.set(key, (dated.get(key) ?? 0) + 1);
      }
      next = body['@odata.nextLink']?.replace(/^.*\/v1\.0/, '');
    }
    const byTime = (detail: string): number[] =>
      [...dated].filter(([key]) => key.startsWith(`${detail} `)).map(([, n]) => n);
    expect(Math.max(...byTime('adminConfirmedSigninSafe'))).toBe(60);
    expect(byTime('adminGeneratedTemporaryPassword')).toEqual([1]);
    expect(risky.json).toMatchObject({
      riskState: 'remediated',
      riskDetail: 'adminGeneratedTemporaryPassword',
    });
    // Every one of the 210 actions was applied.
    const partitionKey = partitions.users(tenantId(T), user);
    const actions = TableClient.fromConnectionString(
      service.azurite.connectionString,
      tableOf(partitionKey),
      {
        allowInsecureConnection: true,
      },
    ).listEntities<{ kind: string; appliedAt?: string }>({
      queryOptions: {
        filter: odata`PartitionKey eq ${partitionKey} and RowKey ge ${`u|${user}|a|`} and RowKey lt ${`u|${user}|a}`}`,
      },
    });
    const applied = new Map<string, number>();
    for await (const a of actions) if (a.appliedAt) applied.set(a.kind, (applied.get(a.kind) ?? 0) + 1);
    expect(Object.fromEntries(applied)).toEqual({ confirmSignInSafe: 60, adminPasswordReset: 150 });
    expect(failedInvocations()).toEqual([]);
  });
});

import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, partitions, tableOf } from '../../shared/storage/keys';
import { eventually, startService, type TestService } from '../helpers/service';
import { SA, SO, SR, tenantId, tenantSeed, userId } from '../helpers/tenants';

/** Issue 3 end to end: ingestion → queue rescore → Graph reads and every feedback action. */
let service: TestService;
const LICENSED = 11;
const FREE = 12;
const T = tenantId(LICENSED);
let admin: string; // Security Administrator
let reader: string; // Security Reader
let ingester: string; // app-only, IdentityRiskEvent.ReadWrite.All

interface RiskyUser {
  id: string;
  riskLevel: string;
  riskState: string;
  riskDetail: string;
  isProcessing: boolean;
}

beforeAll(async () => {
  service = await startService();
  await service.seed(tenantSeed(LICENSED, 'p2', 30));
  await service.seed(tenantSeed(FREE, 'free', 5));
  admin = await service.token({ tenantId: T, objectId: userId(LICENSED, 1), wids: [SA] });
  reader = await service.token({ tenantId: T, objectId: userId(LICENSED, 2), wids: [SR] });
  ingester = await service.token({ tenantId: T, roles: ['IdentityRiskEvent.ReadWrite.All'] });
});
afterAll(async () => {
  await service?.stop();
});

const at = (minute: number): string => new Date(Date.UTC(2026, 10, 20, 5, minute)).toISOString();

function userDetection(
  id: string,
  user: string,
  level: 'low' | 'medium' | 'high',
  minute = 0,
  type = 'leakedCredentials',
) {
  return {
    id,
    userId: user,
    riskEventType: type,
    riskLevel: level,
    detectionTimingType: 'offline',
    activity: 'user',
    activityDateTime: at(minute),
    detectedDateTime: at(minute),
  };
}

function signIn(
  id: string,
  user: string,
  detections: Array<{ riskEventType: string; riskLevel: string }>,
  minute = 0,
) {
  return {
    id,
    userId: user,
    userPrincipalName: `u-${user.slice(0, 8)}@t.example`,
    userDisplayName: 'Someone',
    createdDateTime: at(minute),
    ipAddress: '192.0.2.1',
    location: { city: 'Oslo', countryOrRegion: 'NO' },
    riskDetections: detections,
  };
}

async function getJson<T>(token: string, path: string): Promise<T> {
  const res = await service.call(token, 'GET', path);
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return (await res.json()) as T;
}

async function settled(user: string, tenantToken = admin): Promise<RiskyUser> {
  return eventually(
    async () => {
      const res = await service.call(tenantToken, 'GET', `/identityProtection/riskyUsers/${user}`);
      if (res.status !== 200) return undefined;
      const body = (await res.json()) as RiskyUser;
      return body.isProcessing ? undefined : body;
    },
    20_000,
    `riskyUser ${user}`,
  );
}

async function ingest(path: string, value: unknown[], token = ingester): Promise<Record<string, number>> {
  const res = await service.call(token, 'POST', path, { value });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as Record<string, number>;
}

describe('ingestion (SPEC §7, R-X1)', () => {
  it('accepts detections, answers 202 with counts, and a repeated id changes nothing', async () => {
    const u = userId(LICENSED, 3);
    expect(await ingest('/riskloop/riskDetections', [userDetection('eng-d1', u, 'medium')])).toMatchObject({
      accepted: 1,
      duplicates: 0,
    });
    expect(await ingest('/riskloop/riskDetections', [userDetection('eng-d1', u, 'high')])).toMatchObject({
      accepted: 0,
      duplicates: 1,
    });
    await eventually(async () => ((await settled(u)).riskLevel === 'medium' ? true : undefined));
    const d = await getJson<Record<string, unknown>>(reader, '/identityProtection/riskDetections/eng-d1');
    expect(d).toMatchObject({
      id: 'eng-d1',
      riskLevel: 'medium',
      riskState: 'atRisk',
      riskEventType: 'leakedCredentials',
      userId: u,
      userPrincipalName: 'user3@t11.example',
      userDisplayName: 'User 3',
    });
  });

  it.each([
    [
      'an unknown riskEventType',
      { ...userDetection('bad-1', userId(LICENSED, 4), 'low'), riskEventType: 'alienInvasion' },
      /value\[0\]\.riskEventType/,
    ],
    [
      'a timing the type does not allow',
      {
        ...userDetection('bad-2', userId(LICENSED, 4), 'low'),
        riskEventType: 'leakedCredentials',
        detectionTimingType: 'realtime',
      },
      /detectionTimingType 'realtime' is not allowed/,
    ],
    [
      'a wrong activity for the type',
      { ...userDetection('bad-3', userId(LICENSED, 4), 'low'), riskEventType: 'unlikelyTravel' },
      /not a known user detection/,
    ],
    [
      'an unknown riskLevel',
      { ...userDetection('bad-4', userId(LICENSED, 4), 'low'), riskLevel: 'extreme' },
      /value\[0\]\.riskLevel/,
    ],
    [
      'the R-F3 system type',
      {
        ...userDetection('bad-5', userId(LICENSED, 4), 'high'),
        riskEventType: 'adminConfirmedUserCompromised',
      },
      /riskEventType/,
    ],
  ])('rejects %s with a 400 naming the field, storing nothing', async (_name, item, message) => {
    const res = await service.call(ingester, 'POST', '/riskloop/riskDetections', {
      value: [userDetection('good-alongside', userId(LICENSED, 4), 'low'), item],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message.replace('value[1]', 'value[0]')).toMatch(message);
    expect(
      (await service.call(reader, 'GET', '/identityProtection/riskDetections/good-alongside')).status,
    ).toBe(404);
  });

  it('refuses more than 1,000 detections in one call', async () => {
    const many = Array.from({ length: 1001 }, (_, i) =>
      userDetection(`many-${i}`, userId(LICENSED, 4), 'low'),
    );
    const res = await service.call(ingester, 'POST', '/riskloop/riskDetections', { value: many });
    expect(res.status).toBe(400);
  });

  it('R-S1: a sign-in keeps riskLevelDuringSignIn from its real-time detections', async () => {
    const u = userId(LICENSED, 5);
    await ingest('/riskloop/signIns', [
      signIn('req-5', u, [{ riskEventType: 'anonymizedIPAddress', riskLevel: 'medium' }]),
    ]);
    await settled(u);
    await ingest('/riskloop/riskDetections', [
      {
        ...userDetection('req-5-off', u, 'high', 1, 'unlikelyTravel'),
        activity: 'signin',
        requestId: 'req-5',
      },
    ]);
    const s = await eventually(async () => {
      const body = await getJson<Record<string, unknown>>(reader, '/auditLogs/signIns/req-5');
      return body.riskLevelAggregated === 'high' ? body : undefined;
    });
    expect(s).toMatchObject({
      riskLevelDuringSignIn: 'medium',
      riskLevelAggregated: 'high',
      riskState: 'atRisk',
      // Graph lists every type associated with the sign-in, the offline one too.
      riskEventTypes_v2: ['anonymizedIPAddress', 'unlikelyTravel'],
    });
  });

  it('only app tokens with IdentityRiskEvent.ReadWrite.All may ingest (SPEC §8)', async () => {
    const res = await service.call(admin, 'POST', '/riskloop/riskDetections', {
      value: [userDetection('x-1', userId(LICENSED, 4), 'low')],
    });
    expect(res.status).toBe(403);
  });
});

describe('feedback actions (SPEC §4)', () => {
  it('R-F6: confirm compromised, wait for isProcessing false and level high, then dismiss; both in history', async () => {
    const u = userId(LICENSED, 6);
    await ingest('/riskloop/riskDetections', [userDetection('f6-d1', u, 'low')]);
    await settled(u);
    expect(
      (
        await service.call(admin, 'POST', '/identityProtection/riskyUsers/confirmCompromised', {
          userIds: [u],
        })
      ).status,
    ).toBe(204);
    const compromised = await eventually(async () => {
      const user = await settled(u);
      return user.riskLevel === 'high' ? user : undefined;
    });
    expect(compromised).toMatchObject({
      riskState: 'confirmedCompromised',
      riskDetail: 'adminConfirmedUserCompromised',
    });
    expect(
      (await service.call(admin, 'POST', '/identityProtection/riskyUsers/dismiss', { userIds: [u] })).status,
    ).toBe(204);
    const dismissed = await eventually(async () => {
      const user = await settled(u);
      return user.riskState === 'dismissed' ? user : undefined;
    });
    expect(dismissed).toMatchObject({ riskLevel: 'none', riskDetail: 'adminDismissedAllRiskForUser' });
    const history = await getJson<{ value: Array<{ initiatedBy: string; activity: { detail: string } }> }>(
      reader,
      `/identityProtection/riskyUsers/${u}/history`,
    );
    const adminItems = history.value
      .filter((h) => h.initiatedBy === userId(LICENSED, 1))
      .map((h) => h.activity.detail);
    expect(adminItems).toEqual(['adminConfirmedUserCompromised', 'adminDismissedAllRiskForUser']);
    const detections = await getJson<{
      value: Array<{ id: string; riskState: string; riskEventType: string }>;
    }>(reader, `/identityProtection/riskDetections?$filter=userId eq '${u}'`);
    expect(detections.value.map((d) => [d.riskEventType, d.riskState]).sort()).toEqual([
      ['adminConfirmedUserCompromised', 'dismissed'],
      ['leakedCredentials', 'dismissed'],
    ]);
  });

  it('R-F8: confirm safe closes the user risk', async () => {
    const u = userId(LICENSED, 7);
    await ingest('/riskloop/riskDetections', [userDetection('f8-d1', u, 'medium')]);
    await settled(u);
    expect(
      (await service.call(admin, 'POST', '/identityProtection/riskyUsers/confirmSafe', { userIds: [u] }))
        .status,
    ).toBe(204);
    const user = await eventually(async () => {
      const r = await settled(u);
      return r.riskState === 'confirmedSafe' ? r : undefined;
    });
    expect(user).toMatchObject({ riskLevel: 'none', riskDetail: 'adminConfirmedAccountSafe' });
  });

  it.each([
    ['confirmSafe', 'confirmedSafe', 'adminConfirmedSigninSafe', 'none', 8],
    ['confirmCompromised', 'confirmedCompromised', 'adminConfirmedSigninCompromised', 'high', 9],
    ['dismiss', 'dismissed', 'adminDismissedRiskForSignIn', 'none', 10],
  ])('R-F1/R-F2/R-F9: signIns/%s', async (action, state, detail, aggregated, n) => {
    const u = userId(LICENSED, n);
    const req = `req-${action}`;
    await ingest('/riskloop/signIns', [
      signIn(req, u, [{ riskEventType: 'anonymizedIPAddress', riskLevel: 'medium' }]),
    ]);
    await settled(u);
    const so = await service.token({ tenantId: T, objectId: userId(LICENSED, 2), wids: [SO] });
    expect(
      (await service.call(so, 'POST', `/auditLogs/signIns/${action}`, { requestIds: [req] })).status,
    ).toBe(204);
    const s = await eventually(async () => {
      const body = await getJson<Record<string, unknown>>(reader, `/auditLogs/signIns/${req}`);
      return body.riskState === state ? body : undefined;
    });
    expect(s).toMatchObject({ riskDetail: detail, riskLevelAggregated: aggregated });
    const user = await settled(u);
    expect(user.riskLevel).toBe(aggregated === 'high' ? 'high' : 'none');
  });

  it('R-F5: remediations close risk with the right detail', async () => {
    const u = userId(LICENSED, 11);
    await ingest('/riskloop/riskDetections', [userDetection('f5-d1', u, 'high')]);
    await settled(u);
    expect(
      await ingest('/riskloop/remediations', [
        { userId: u, kind: 'adminPasswordReset', occurredDateTime: at(30) },
      ]),
    ).toMatchObject({ accepted: 1 });
    expect(
      await ingest('/riskloop/remediations', [
        { userId: u, kind: 'adminPasswordReset', occurredDateTime: at(30) },
      ]),
    ).toMatchObject({ accepted: 0, duplicates: 1 });
    const user = await eventually(async () => {
      const r = await settled(u);
      return r.riskState === 'remediated' ? r : undefined;
    });
    expect(user).toMatchObject({ riskLevel: 'none', riskDetail: 'adminGeneratedTemporaryPassword' });
    const bad = await service.call(ingester, 'POST', '/riskloop/remediations', {
      value: [{ userId: u, kind: 'passwordChange', occurredDateTime: at(31) }],
    });
    expect(bad.status).toBe(400);
  });

  it('R-F5: mfaPassed remediates its sign-in; one naming another user’s sign-in, or none, is a 400 naming requestId, and nothing of the call is stored', async () => {
    const u = userId(LICENSED, 21);
    const other = userId(LICENSED, 22);
    await ingest('/riskloop/signIns', [
      signIn('mfa-21', u, [{ riskEventType: 'anonymizedIPAddress', riskLevel: 'medium' }]),
      signIn('mfa-22', other, [{ riskEventType: 'anonymizedIPAddress', riskLevel: 'medium' }]),
    ]);
    expect(await settled(u)).toMatchObject({ riskState: 'atRisk', riskLevel: 'medium' });
    const own = { userId: u, kind: 'mfaPassed', requestId: 'mfa-21', occurredDateTime: at(40) };
    for (const [requestId, reason] of [
      ['mfa-22', /value\[1\]\.requestId: sign-in 'mfa-22' is not a sign-in of user/],
      ['mfa-never', /value\[1\]\.requestId: no sign-in 'mfa-never' of user .* has been ingested/],
    ] as const) {
      const res = await service.call(ingester, 'POST', '/riskloop/remediations', {
        value: [own, { ...own, requestId }],
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(reason);
    }
    // Nothing of those calls was stored: `own` (its id is a hash of its fields) is new now.
    expect(await ingest('/riskloop/remediations', [own])).toMatchObject({ accepted: 1, duplicates: 0 });
    const user = await eventually(async () => {
      const r = await settled(u);
      return r.riskState === 'remediated' ? r : undefined;
    });
    expect(user).toMatchObject({ riskLevel: 'none', riskDetail: 'userPassedMFADrivenByRiskBasedPolicy' });
    expect(await getJson<Record<string, unknown>>(reader, '/auditLogs/signIns/mfa-21')).toMatchObject({
      riskState: 'remediated',
      riskDetail: 'userPassedMFADrivenByRiskBasedPolicy',
      riskLevelAggregated: 'none',
    });
  });

  it('R-X1: a detection naming another user’s sign-in is a 400 naming requestId, and nothing of the call is stored', async () => {
    const u = userId(LICENSED, 25);
    const other = userId(LICENSED, 26);
    await ingest('/riskloop/signIns', [signIn('own-25', u, []), signIn('theirs-26', other, [])]);
    const offline = (id: string, user: string, requestId: string) => ({
      ...userDetection(id, user, 'medium', 30, 'unlikelyTravel'),
      activity: 'signin',
      requestId,
    });
    for (const [value, reason] of [
      [
        [offline('xs-1', u, 'own-25'), offline('xs-2', u, 'theirs-26')],
        /value\[1\]\.requestId: sign-in 'theirs-26' is not a sign-in of user/,
      ],
      // A sign-in not ingested yet: the items of one call must agree on its user.
      [
        [offline('xs-1', u, 'later-1'), offline('xs-3', other, 'later-1')],
        /value\[1\]\.requestId: sign-in 'later-1' is not a sign-in of user/,
      ],
    ] as const) {
      const res = await service.call(ingester, 'POST', '/riskloop/riskDetections', { value });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(reason);
    }
    // Nothing was stored: the valid items are new now.
    expect(
      await ingest('/riskloop/riskDetections', [offline('xs-1', u, 'own-25'), offline('xs-4', u, 'later-2')]),
    ).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(await settled(u)).toMatchObject({ riskState: 'atRisk', riskLevel: 'medium' });
    // Graph's riskEventTypes_v2 lists the sign-in's offline detections too.
    expect(await getJson<Record<string, unknown>>(reader, '/auditLogs/signIns/own-25')).toMatchObject({
      riskEventTypes_v2: ['unlikelyTravel'],
      riskLevelAggregated: 'medium',
    });
  });

  it('R-F5: mfaPassed may name a sign-in known only from the user’s own detections', async () => {
    const u = userId(LICENSED, 23);
    await ingest('/riskloop/riskDetections', [
      {
        ...userDetection('mfa-23-d', u, 'medium', 1, 'unlikelyTravel'),
        activity: 'signin',
        requestId: 'mfa-23',
      },
    ]);
    expect(await settled(u)).toMatchObject({ riskState: 'atRisk', riskLevel: 'medium' });
    expect(
      await ingest('/riskloop/remediations', [
        { userId: u, kind: 'mfaPassed', requestId: 'mfa-23', occurredDateTime: at(41) },
      ]),
    ).toMatchObject({ accepted: 1 });
    const user = await eventually(async () => {
      const r = await settled(u);
      return r.riskState === 'remediated' ? r : undefined;
    });
    expect(user).toMatchObject({ riskLevel: 'none', riskDetail: 'userPassedMFADrivenByRiskBasedPolicy' });
  });

  it('unknown ids → 404 and nothing of the call is applied', async () => {
    const known = userId(LICENSED, 12);
    await ingest('/riskloop/riskDetections', [userDetection('nf-d1', known, 'medium')]);
    await settled(known);
    const res = await service.call(admin, 'POST', '/identityProtection/riskyUsers/dismiss', {
      userIds: [known, '99999999-1111-4222-8333-000000000000'],
    });
    expect(res.status).toBe(404);
    expect(await settled(known)).toMatchObject({ riskState: 'atRisk', isProcessing: false });
    const signIns = await service.call(admin, 'POST', '/auditLogs/signIns/dismiss', {
      requestIds: ['no-such-request'],
    });
    expect(signIns.status).toBe(404);
  });

  it('R-X6: a call that fails for one user still applies what it recorded for the others', async () => {
    const fine = userId(LICENSED, 14);
    const broken = userId(LICENSED, 15);
    await ingest('/riskloop/riskDetections', [
      userDetection('pf-d1', fine, 'medium'),
      userDetection('pf-d2', broken, 'medium'),
    ]);
    await settled(fine);
    await settled(broken);
    // The broken user's row can no longer be read, so accepting an action for it throws.
    const partitionKey = partitions.users(T, broken);
    await TableClient.fromConnectionString(service.azurite.connectionString, tableOf(partitionKey), {
      allowInsecureConnection: true,
    }).upsertEntity({ partitionKey, rowKey: keys.user(broken), riskLevel: 'unreadable' }, 'Merge');
    const res = await service.call(admin, 'POST', '/identityProtection/riskyUsers/dismiss', {
      userIds: [fine, broken],
    });
    expect(res.status).toBe(500);
    // The other user's action was recorded: it is applied now, not whenever that user is
    // next rescored for another reason.
    expect(await settled(fine)).toMatchObject({ riskState: 'dismissed', riskLevel: 'none' });
  });

  it('R-X6: a failed call retried with the same client-request-id records each action once; another call records again', async () => {
    const fine = userId(LICENSED, 16);
    const broken = userId(LICENSED, 17);
    await ingest('/riskloop/riskDetections', [
      userDetection('rt-d1', fine, 'medium'),
      userDetection('rt-d2', broken, 'medium'),
    ]);
    await settled(fine);
    await settled(broken);
    const partitionKey = partitions.users(T, broken);
    const users = TableClient.fromConnectionString(service.azurite.connectionString, tableOf(partitionKey), {
      allowInsecureConnection: true,
    });
    await users.upsertEntity({ partitionKey, rowKey: keys.user(broken), riskLevel: 'unreadable' }, 'Merge');
    const confirm = (clientRequestId?: string) =>
      service.call(
        admin,
        'POST',
        '/identityProtection/riskyUsers/confirmCompromised',
        { userIds: [fine, broken] },
        clientRequestId ? { 'client-request-id': clientRequestId } : {},
      );
    const call = randomUUID();
    expect((await confirm(call)).status).toBe(500);
    await users.upsertEntity({ partitionKey, rowKey: keys.user(broken), riskLevel: 'medium' }, 'Merge');
    expect((await confirm(call)).status).toBe(204);

    const confirmations = async (user: string) => {
      const history = await getJson<{ value: Array<{ initiatedBy: string }> }>(
        reader,
        `/identityProtection/riskyUsers/${user}/history`,
      );
      const detections = await getJson<{ value: Array<{ riskEventType: string }> }>(
        reader,
        `/identityProtection/riskDetections?$filter=userId eq '${user}'`,
      );
      return {
        history: history.value.filter((h) => h.initiatedBy !== '').length,
        detections: detections.value.filter((d) => d.riskEventType === 'adminConfirmedUserCompromised')
          .length,
      };
    };
    for (const user of [fine, broken]) {
      expect(await settled(user)).toMatchObject({ riskState: 'confirmedCompromised', riskLevel: 'high' });
      expect(await confirmations(user)).toEqual({ history: 1, detections: 1 });
    }
    // A new call, with its own client-request-id or none, is another action.
    expect((await confirm(randomUUID())).status).toBe(204);
    expect((await confirm()).status).toBe(204);
    await eventually(async () => ((await confirmations(fine)).history === 3 ? true : undefined));
    expect(await confirmations(fine)).toEqual({ history: 3, detections: 3 });
  });

  it('R-X4: two concurrent conflicting actions on one user lose nothing', async () => {
    const u = userId(LICENSED, 13);
    await ingest('/riskloop/riskDetections', [userDetection('cc-d1', u, 'medium')]);
    await settled(u);
    const [a, b] = await Promise.all([
      service.call(admin, 'POST', '/identityProtection/riskyUsers/confirmCompromised', { userIds: [u] }),
      service.call(admin, 'POST', '/identityProtection/riskyUsers/dismiss', { userIds: [u] }),
    ]);
    expect([a.status, b.status]).toEqual([204, 204]);
    await eventually(async () => {
      const history = await getJson<{ value: Array<{ initiatedBy: string; activity: { detail: string } }> }>(
        reader,
        `/identityProtection/riskyUsers/${u}/history`,
      );
      const details = history.value
        .filter((h) => h.initiatedBy !== '')
        .map((h) => h.activity.detail)
        .sort();
      return details.length === 2
        ? expect(details).toEqual(['adminConfirmedUserCompromised', 'adminDismissedAllRiskForUser'])
        : undefined;
    });
    const final = await settled(u);
    // Whichever was accepted last decides: both orders are a correct sequential result.
    expect([
      ['confirmedCompromised', 'high'],
      ['dismissed', 'none'],
    ]).toContainEqual([final.riskState, final.riskLevel]);
  });
});

describe('reads (SPEC §7)', () => {
  it('pages riskyUsers through absolute nextLinks with an opaque $skiptoken', async () => {
    const users = Array.from({ length: 7 }, (_, i) => userId(LICENSED, 20 + i));
    await ingest(
      '/riskloop/riskDetections',
      users.map((u, i) => userDetection(`page-${i}`, u, 'high')),
    );
    await Promise.all(users.map((u) => settled(u)));
    const seen: string[] = [];
    let next: string | undefined =
      `${service.base}/identityProtection/riskyUsers?$filter=riskLevel eq microsoft.graph.riskLevel'high'&$top=3`;
    let pages = 0;
    while (next) {
      expect(next.startsWith('http://')).toBe(true);
      const res = await fetch(next, { headers: { authorization: `Bearer ${reader}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { value: RiskyUser[]; '@odata.nextLink'?: string };
      expect(body.value.length).toBeLessThanOrEqual(3);
      seen.push(...body.value.map((u) => u.id));
      next = body['@odata.nextLink'];
      pages += 1;
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    for (const u of users) expect(seen).toContain(u);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('R-A1: a $skiptoken tampered to point at another tenant’s partition is refused', async () => {
    const first = await getJson<{ '@odata.nextLink'?: string }>(
      reader,
      '/identityProtection/riskyUsers?$top=1',
    );
    const link = new URL(first['@odata.nextLink']!);
    const token = JSON.parse(Buffer.from(link.searchParams.get('$skiptoken')!, 'base64url').toString()) as {
      c: { p: string };
    };
    token.c.p = Buffer.from(tenantId(FREE)).toString('base64');
    link.searchParams.set('$skiptoken', Buffer.from(JSON.stringify(token)).toString('base64url'));
    const res = await fetch(link, { headers: { authorization: `Bearer ${reader}` } });
    expect(res.status).toBe(400);
  });

  it('$filter accepts both enum literal forms and + as space; $select is honoured', async () => {
    const plain = await getJson<{ value: RiskyUser[] }>(
      reader,
      "/identityProtection/riskyUsers?$filter=riskLevel+eq+'high'&$top=500",
    );
    const typed = await getJson<{ value: RiskyUser[] }>(
      reader,
      "/identityProtection/riskyUsers?$filter=riskLevel%20eq%20microsoft.graph.riskLevel'high'&$top=500",
    );
    expect(plain.value.length).toBeGreaterThan(0);
    expect(typed.value.map((u) => u.id).sort()).toEqual(plain.value.map((u) => u.id).sort());
    const selected = await getJson<{ value: Array<Record<string, unknown>> }>(
      reader,
      '/identityProtection/riskyUsers?$select=riskLevel,userPrincipalName&$top=1',
    );
    expect(Object.keys(selected.value[0]!).sort()).toEqual(['riskLevel', 'userPrincipalName']);
  });

  it('$orderby=riskLastUpdatedDateTime desc returns newest first', async () => {
    const body = await getJson<{ value: Array<{ riskLastUpdatedDateTime: string }> }>(
      reader,
      '/identityProtection/riskyUsers?$orderby=riskLastUpdatedDateTime desc&$top=500',
    );
    const times = body.value.map((u) => u.riskLastUpdatedDateTime);
    expect(times).toEqual([...times].sort().reverse());
    const asc = await getJson<{ value: Array<{ riskLastUpdatedDateTime: string }> }>(
      reader,
      '/identityProtection/riskyUsers?$orderby=riskLastUpdatedDateTime&$top=500',
    );
    expect(asc.value.map((u) => u.riskLastUpdatedDateTime)).toEqual([...times].sort());
  });

  it('bad query options → 400; unknown ids → 404', async () => {
    for (const q of [
      "$filter=riskLevel eq 'extreme'",
      '$top=0',
      '$top=501',
      '$select=password',
      '$orderby=userPrincipalName',
      '$skiptoken=garbage',
      '$expand=history',
    ]) {
      const res = await service.call(reader, 'GET', `/identityProtection/riskyUsers?${q}`);
      expect(res.status, q).toBe(400);
    }
    expect(
      (
        await service.call(
          reader,
          'GET',
          '/identityProtection/riskyUsers/99999999-1111-4222-8333-000000000000',
        )
      ).status,
    ).toBe(404);
    expect((await service.call(reader, 'GET', '/identityProtection/riskDetections/nope')).status).toBe(404);
    expect((await service.call(reader, 'GET', '/auditLogs/signIns/nope')).status).toBe(404);
  });
});

describe('licence masking (R-L1, R-L2)', () => {
  it('an unlicensed tenant sees premium detections as generic, without details, and cannot filter by them', async () => {
    const F = tenantId(FREE);
    const u = userId(FREE, 2);
    const freeIngester = await service.token({ tenantId: F, roles: ['IdentityRiskEvent.ReadWrite.All'] });
    const freeReader = await service.token({ tenantId: F, objectId: userId(FREE, 1), wids: [SR] });
    await ingest(
      '/riskloop/signIns',
      [signIn('free-req', u, [{ riskEventType: 'unfamiliarFeatures', riskLevel: 'medium' }])],
      freeIngester,
    );
    await ingest(
      '/riskloop/riskDetections',
      [
        {
          ...userDetection('free-prem', u, 'high', 2, 'unlikelyTravel'),
          activity: 'signin',
          requestId: 'free-req',
          ipAddress: '203.0.113.5',
          location: { city: 'Oslo' },
          additionalInfo: 'secret premium detail',
          source: 'MicrosoftCloudAppSecurity',
        },
      ],
      freeIngester,
    );
    await settled(u, freeReader);
    const d = await getJson<Record<string, unknown>>(
      freeReader,
      '/identityProtection/riskDetections/free-prem',
    );
    expect(d).toMatchObject({
      riskEventType: 'generic',
      ipAddress: null,
      location: null,
      additionalInfo: null,
      // The source would tell which premium detection it was.
      source: 'IdentityProtection',
      riskLevel: 'high',
    });
    const byType = await getJson<{ value: unknown[] }>(
      freeReader,
      "/identityProtection/riskDetections?$filter=riskEventType eq 'unlikelyTravel'",
    );
    expect(byType.value).toEqual([]);
    const generic = await getJson<{ value: Array<{ id: string }> }>(
      freeReader,
      "/identityProtection/riskDetections?$filter=riskEventType eq 'generic'",
    );
    expect(generic.value.map((x) => x.id).sort()).toEqual(['free-prem', 'free-req:rt0']);
    const s = await getJson<{ riskEventTypes_v2: string[] }>(freeReader, '/auditLogs/signIns/free-req');
    expect(s.riskEventTypes_v2).toEqual(['generic']);
    const history = await service.call(freeReader, 'GET', `/identityProtection/riskyUsers/${u}/history`);
    expect(await history.text()).not.toMatch(/unlikelyTravel|unfamiliarFeatures|secret premium/);
  });

  it('R-A1: a tenant never sees another tenant’s data', async () => {
    const freeReader = await service.token({
      tenantId: tenantId(FREE),
      objectId: userId(FREE, 1),
      wids: [SR],
    });
    expect((await service.call(freeReader, 'GET', '/identityProtection/riskDetections/eng-d1')).status).toBe(
      404,
    );
    expect(
      (await service.call(freeReader, 'GET', `/identityProtection/riskyUsers/${userId(LICENSED, 3)}`)).status,
    ).toBe(404);
    const list = await getJson<{ value: Array<{ id: string }> }>(
      freeReader,
      '/identityProtection/riskyUsers?$top=500',
    );
    expect(list.value.every((x) => x.id.startsWith(String(FREE).padStart(4, '0')))).toBe(true);
  });
});

import fs from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { importJWK, SignJWT, type JWK, type KeyLike } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { routes as servedRoutes } from '../../../shared/http/openapi';
import { AUDIENCE, eventually, startService, type TestService } from '../../helpers/service';
import { GA, SA, SO, SR, tenantId, tenantSeed, userId } from '../../helpers/tenants';
import {
  expectGraphError,
  routeName,
  routes,
  send,
  snapshotStorage,
  storageDiff,
  waitUntilQueuesEmpty,
  type Operation,
  type RouteSpec,
} from './support';

// Shared hosts on a busy 2-core machine: waits are bounded by eventually(), not by vitest's default.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/**
 * R-A1…R-A3: every route × every kind of caller, against the table of SPEC §8, and tenant
 * isolation: a token of tenant A never reads, changes or learns the existence of anything of
 * tenant B — not by id, not through $filter, not through a $skiptoken.
 */

const A = 91;
const B = 92;
const GR = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
let service: TestService;
let devKey: KeyLike;
let kid: string;
let tried = 0;

const at = '2026-11-20T05:00:00Z';

beforeAll(async () => {
  service = await startService();
  for (const n of [A, B]) {
    const seed = tenantSeed(n, 'p2', 6);
    const p = n === A ? 'a' : 'b';
    // Two sign-ins, so that a list of them at $top=1 has a next page whose $skiptoken can be replayed.
    seed.signIns = [1, 2].map((i) => ({
      id: `${p}-signin-${i}`,
      userId: userId(n, 3),
      userPrincipalName: `user3@t${n}.example`,
      createdDateTime: at,
      riskDetections: [{ riskEventType: 'anonymizedIPAddress', riskLevel: 'high' as const }],
    }));
    seed.riskDetections = [3, 4, 5].map((u) => ({
      id: `${p}-det-${u}`,
      userId: userId(n, u),
      riskEventType: 'leakedCredentials',
      riskLevel: 'medium' as const,
      detectionTimingType: 'offline' as const,
      activity: 'user' as const,
      activityDateTime: at,
      detectedDateTime: at,
    }));
    seed.settings = {
      usersAtRiskAlert: {
        minRiskLevel: 'medium',
        disabledRecipientIds: [],
        customRecipients: [`soc@t${n}.example`],
      },
    };
    await service.seed(seed);
  }
  // Minting the first token creates the dev key; its kid goes into every forged header.
  const sample = await service.token({ tenantId: tenantId(A), objectId: userId(A, 1), wids: [SR] });
  kid = (JSON.parse(Buffer.from(sample.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
  const jwk = JSON.parse(fs.readFileSync(service.keyFile, 'utf8')) as JWK;
  devKey = (await importJWK(jwk, 'ES256')) as KeyLike;
  await waitUntilQueuesEmpty(service);
});

afterAll(async () => {
  console.log(`[auth] ${tried} requests tried`);
  await service?.stop();
});

function sign(
  claims: Record<string, unknown>,
  options: { key?: KeyLike; iss?: string; aud?: string; exp?: number; alg?: string; kid?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ver: '2.0', azp: 'd0e7c11e-0000-4000-8000-000000000001', ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: options.kid ?? kid, typ: 'JWT' })
    .setIssuer(options.iss ?? 'riskloop-dev')
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt(now - 60)
    .setNotBefore(now - 60)
    .setExpirationTime(options.exp ?? now + 3600)
    .sign(options.key ?? devKey);
}

const delegated = (tenant: number, wids: string[]) => ({
  tid: tenantId(tenant),
  oid: userId(tenant, 1),
  scp: 'user_impersonation',
  idtyp: 'user',
  ...(wids.length > 0 ? { wids } : {}),
});
const appOnly = (tenant: number, roles: string[]) => ({ tid: tenantId(tenant), idtyp: 'app', roles });

/** A caller, and what SPEC §8 lets it do. */
interface Caller {
  name: string;
  token: () => Promise<string | undefined>;
  allowed: ReadonlySet<Operation>;
}

const none = new Set<Operation>(['anonymous']);
const reads = new Set<Operation>(['anonymous', 'read']);
const operator = new Set<Operation>(['anonymous', 'read', 'userFeedback', 'signInFeedback']);
const administrator = new Set<Operation>([...operator, 'changeSettings']);

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

const callers: Caller[] = [
  { name: 'no token', token: () => Promise.resolve(undefined), allowed: none },
  {
    name: 'expired',
    token: () => sign(delegated(A, [GA]), { exp: Math.floor(Date.now() / 1000) - 3600 }),
    allowed: none,
  },
  {
    name: 'wrong audience',
    token: () => sign(delegated(A, [GA]), { aud: 'api://someone-else' }),
    allowed: none,
  },
  {
    name: 'wrong issuer',
    token: () => sign(delegated(A, [GA]), { iss: `https://login.microsoftonline.com/${tenantId(A)}/v2.0` }),
    allowed: none,
  },
  {
    name: 'bad signature',
    token: async () => {
      const [h, p, s] = (await sign(delegated(A, [GA]))).split('.');
      return `${h}.${p}.${s!.startsWith('A') ? 'B' : 'A'}${s!.slice(1)}`;
    },
    allowed: none,
  },
  {
    name: 'claims edited after signing',
    token: async () => {
      const [h, , s] = (await sign(delegated(A, [SR]))).split('.');
      return `${h}.${b64({ ...delegated(A, [GA]), iss: 'riskloop-dev', aud: AUDIENCE, exp: 9_999_999_999 })}.${s}`;
    },
    allowed: none,
  },
  {
    name: 'alg none',
    token: () =>
      Promise.resolve(
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...delegated(A, [GA]), iss: 'riskloop-dev', aud: AUDIENCE, exp: 9_999_999_999 })}.`,
      ),
    allowed: none,
  },
  {
    name: 'HS256 keyed with the public key',
    token: async () => {
      const jwk = JSON.parse(fs.readFileSync(service.keyFile, 'utf8')) as JWK;
      const secret = new TextEncoder().encode(
        JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }),
      );
      return new SignJWT({ ...delegated(A, [GA]) })
        .setProtectedHeader({ alg: 'HS256', kid })
        .setIssuer('riskloop-dev')
        .setAudience(AUDIENCE)
        .setExpirationTime('1h')
        .sign(secret);
    },
    allowed: none,
  },
  {
    name: 'a fresh key claiming the dev kid',
    token: async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return sign(delegated(A, [GA]), { key: privateKey as unknown as KeyLike });
    },
    allowed: none,
  },
  { name: 'tenant not onboarded', token: () => sign(delegated(93, [GA])), allowed: none },
  { name: 'no tid', token: () => sign({ oid: userId(A, 1), scp: 'x', wids: [GA] }), allowed: none },
  { name: 'garbage', token: () => Promise.resolve('not.a.jwt'), allowed: none },
  { name: 'delegated, no role', token: () => sign(delegated(A, [])), allowed: none },
  { name: 'delegated, unknown role', token: () => sign(delegated(A, [userId(A, 9)])), allowed: none },
  { name: 'Security Reader', token: () => sign(delegated(A, [SR])), allowed: reads },
  { name: 'Global Reader', token: () => sign(delegated(A, [GR])), allowed: reads },
  { name: 'Security Operator', token: () => sign(delegated(A, [SO])), allowed: operator },
  { name: 'Security Administrator', token: () => sign(delegated(A, [SA])), allowed: administrator },
  { name: 'Global Administrator', token: () => sign(delegated(A, [GA])), allowed: administrator },
  {
    name: 'delegated carrying app roles only',
    token: () =>
      sign({
        ...delegated(A, []),
        roles: ['IdentityRiskEvent.ReadWrite.All', 'IdentityRiskyUser.ReadWrite.All'],
      }),
    allowed: none,
  },
  {
    name: 'app-only carrying directory roles only',
    token: () => sign({ ...appOnly(A, []), wids: [GA, SA] }),
    allowed: none,
  },
  {
    name: 'app IdentityRiskyUser.Read.All',
    token: () => sign(appOnly(A, ['IdentityRiskyUser.Read.All'])),
    allowed: reads,
  },
  {
    name: 'app IdentityRiskEvent.Read.All',
    token: () => sign(appOnly(A, ['IdentityRiskEvent.Read.All'])),
    allowed: reads,
  },
  {
    name: 'app IdentityRiskyUser.ReadWrite.All',
    token: () => sign(appOnly(A, ['IdentityRiskyUser.ReadWrite.All'])),
    allowed: new Set<Operation>([...reads, 'userFeedback']),
  },
  {
    name: 'app IdentityRiskEvent.ReadWrite.All',
    token: () => sign(appOnly(A, ['IdentityRiskEvent.ReadWrite.All'])),
    allowed: new Set<Operation>([...reads, 'signInFeedback', 'ingest']),
  },
  {
    name: 'app with a role named like a directory role',
    token: () => sign(appOnly(A, ['Security Administrator', GA, 'Directory.ReadWrite.All'])),
    allowed: none,
  },
];

/** A request on the route that passes only authorisation: a GET of tenant A's own data, or a body with a bad field. */
function probe(route: RouteSpec): { path: string; body?: string; ok: number } {
  const path = route.path.replace(
    '{id}',
    route.id === 'guid' ? userId(A, 3) : route.path.includes('signIns') ? 'a-signin-1' : 'a-det-3',
  );
  if (route.method === 'GET') return { path, ok: 200 };
  // Authorisation is decided before the body is read: an allowed caller gets the body's 400.
  return { path, body: JSON.stringify({ notAField: true }), ok: 400 };
}

describe('SPEC §8 matrix: every route × every caller (R-A1, R-A2, R-A3)', () => {
  // The app's own route list is checked against what the host registers in openapi.test.ts.
  it('covers every route the app serves (HEAD /riskloop/health aside: anonymous, no body)', () => {
    const served = servedRoutes
      .filter((r) => r.method !== 'HEAD')
      .map((r) => `${r.method} /${r.route.replace(/\{[^}]+\}/g, '{id}')}`);
    expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(served.sort());
  });

  it.each(callers.map((c) => [c.name, c] as const))('%s', async (_name, caller) => {
    const token = await caller.token();
    const failures: string[] = [];
    for (const route of routes) {
      const { path, body, ok } = probe(route);
      const expected = caller.allowed.has(route.operation) ? ok : provesNobody(caller) ? 401 : 403;
      const res = await send(service, token, route.method, path, body);
      tried += 1;
      if (res.status !== expected)
        failures.push(`${routeName(route)}: ${res.status} (expected ${expected}) ${res.text.slice(0, 200)}`);
      else if (res.status >= 400) expectGraphError(res.json, routeName(route));
      // No answer quotes the token it refused (R-X7).
      if (token) expect(res.text, routeName(route)).not.toContain(token.split('.')[2] || token);
    }
    expect(failures).toEqual([]);
  });
});

/** Callers whose token proves nobody (401) rather than someone without the role (403). */
const validWithoutRole = new Set([
  'delegated, no role',
  'delegated, unknown role',
  'delegated carrying app roles only',
  'app-only carrying directory roles only',
  'app with a role named like a directory role',
]);
function provesNobody(caller: Caller): boolean {
  return caller.allowed === none && !validWithoutRole.has(caller.name);
}

describe('tenant isolation (R-A1)', () => {
  it('a token of tenant A can never read, change or learn of tenant B’s data', async () => {
    const adminA = await sign(delegated(A, [GA]));
    const appA = await sign(
      appOnly(A, ['IdentityRiskEvent.ReadWrite.All', 'IdentityRiskyUser.ReadWrite.All']),
    );
    const adminB = await sign(delegated(B, [GA]));
    const bIds = [
      tenantId(B),
      userId(B, 3),
      userId(B, 4),
      userId(B, 5),
      'b-signin-1',
      'b-signin-2',
      'b-det-3',
      `soc@t${B}.example`,
    ];
    const bPartition = async () => {
      const { entities } = await snapshotStorage(service.azurite.connectionString);
      return new Map([...entities].filter(([key]) => key.startsWith(`${tenantId(B)}|`)));
    };
    const before = await bPartition();
    const leaks: string[] = [];
    const check = async (token: string, method: string, path: string, body?: unknown) => {
      const res = await send(
        service,
        token,
        method,
        path,
        body === undefined ? undefined : JSON.stringify(body),
      );
      tried += 1;
      for (const id of bIds)
        if (res.text.includes(id) && !path.includes(id) && !JSON.stringify(body ?? '').includes(id))
          leaks.push(`${method} ${path}: ${id}`);
      expect(res.status, `${method} ${path} → ${res.status} ${res.text.slice(0, 200)}`).toBeLessThan(500);
      return res;
    };

    // By id: B's ids answer exactly like ids that exist nowhere.
    for (const path of [
      `/identityProtection/riskyUsers/${userId(B, 3)}`,
      `/identityProtection/riskyUsers/${userId(B, 3)}/history`,
      '/identityProtection/riskDetections/b-det-3',
      '/auditLogs/signIns/b-signin-1',
    ]) {
      expect((await check(adminA, 'GET', path)).status, path).toBe(404);
    }
    // Lists, with filters naming B's rows.
    for (const path of [
      '/identityProtection/riskyUsers?$top=500',
      `/identityProtection/riskyUsers?$filter=${encodeURIComponent(`userPrincipalName eq 'user3@t${B}.example'`)}`,
      '/identityProtection/riskDetections?$top=500',
      `/identityProtection/riskDetections?$filter=${encodeURIComponent(`userId eq '${userId(B, 3)}'`)}`,
      `/identityProtection/riskDetections?$filter=${encodeURIComponent(`userId eq '${userId(B, 3)}' or userId eq '${userId(A, 3)}'`)}`,
      '/auditLogs/signIns?$top=500',
      `/auditLogs/signIns?$filter=${encodeURIComponent(`userId eq '${userId(B, 3)}'`)}`,
      '/riskloop/notifications',
      '/riskloop/settings/usersAtRiskAlert',
      '/riskloop/settings/usersAtRiskAlert/recipients',
      '/riskloop/settings/weeklyDigest',
    ]) {
      const res = await check(adminA, 'GET', path);
      expect(res.status, path).toBe(200);
    }
    // B's own nextLinks, replayed with A's token, and rewritten to name A.
    for (const list of [
      '/identityProtection/riskyUsers',
      '/identityProtection/riskDetections',
      '/auditLogs/signIns',
    ]) {
      const page = await send(service, adminB, 'GET', `${list}?$top=1`);
      const next = (page.json as { '@odata.nextLink'?: string })['@odata.nextLink'];
      expect(next, `${list}?$top=1 of tenant B has a next page to replay`).toEqual(expect.any(String));
      const skip = new URL(next!).searchParams.get('$skiptoken')!;
      expect(skip, `${list}: the nextLink carries a $skiptoken`).toEqual(expect.any(String));
      expect(
        (await check(adminA, 'GET', `${list}?$top=1&$skiptoken=${skip}`)).status,
        `${list}: B's token`,
      ).toBe(400);
      const payload = JSON.parse(Buffer.from(skip, 'base64url').toString()) as Record<string, unknown>;
      const asA = Buffer.from(JSON.stringify({ ...payload, t: tenantId(A) })).toString('base64url');
      expect(
        (await check(adminA, 'GET', `${list}?$top=1&$skiptoken=${asA}`)).status,
        `${list}: B's token renamed to A`,
      ).toBe(400);
    }
    // Changes aimed at B's users and sign-ins.
    for (const [path, body] of [
      ['/identityProtection/riskyUsers/dismiss', { userIds: [userId(B, 3)] }],
      ['/identityProtection/riskyUsers/confirmCompromised', { userIds: [userId(A, 3), userId(B, 4)] }],
      ['/identityProtection/riskyUsers/confirmSafe', { userIds: [userId(B, 5)] }],
      ['/auditLogs/signIns/confirmCompromised', { requestIds: ['b-signin-1'] }],
      ['/auditLogs/signIns/dismiss', { requestIds: ['a-signin-1', 'b-signin-1'] }],
    ] as const) {
      expect((await check(adminA, 'POST', path, body)).status, path).toBe(404);
    }
    // Ingestion naming B's user ids and B's detection ids lands in A's partition only.
    const ingest = await check(appA, 'POST', '/riskloop/riskDetections', {
      value: [
        {
          id: 'b-det-3',
          userId: userId(B, 3),
          riskEventType: 'leakedCredentials',
          riskLevel: 'high',
          detectionTimingType: 'offline',
          activity: 'user',
          activityDateTime: at,
          detectedDateTime: at,
        },
      ],
    });
    expect(ingest.status).toBe(202);
    expect(ingest.json).toMatchObject({ accepted: 1, duplicates: 0 });
    await check(adminA, 'PATCH', '/riskloop/settings/usersAtRiskAlert', { minRiskLevel: 'high' });
    await waitUntilQueuesEmpty(service);
    await eventually(async () => {
      const res = await send(service, adminA, 'GET', `/identityProtection/riskyUsers/${userId(B, 3)}`);
      return res.status === 200 ? true : undefined; // now a risky user of A (same GUID, other directory)
    });

    expect(leaks).toEqual([]);
    const after = await bPartition();
    expect(
      storageDiff({ entities: before, queues: new Map() }, { entities: after, queues: new Map() }),
    ).toEqual([]);
    // And B still sees exactly its own.
    const bSettings = await send(service, adminB, 'GET', '/riskloop/settings/usersAtRiskAlert');
    expect(bSettings.json).toMatchObject({ minRiskLevel: 'medium', customRecipients: [`soc@t${B}.example`] });
  });
});

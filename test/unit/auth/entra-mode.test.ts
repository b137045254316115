import { base64url } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { createAuthenticator, type Authenticator } from '../../../shared/auth/authenticate';
import { DirectoryRole } from '../../../shared/auth/roles';
import { entraToken, rsaKey, startJwksServer, type JwksServer, type TestKey } from './jwks-server';

const TENANT = '11111111-1111-4111-8111-111111111111';
const OTHER_TENANT = '44444444-4444-4444-8444-444444444444';
const USER = '22222222-2222-4222-8222-222222222222';
const CLIENT = '33333333-3333-4333-8333-333333333333';
/** The app registration's client id: v2 tokens carry it as `aud`. */
const APP_ID = '55555555-5555-4555-8555-555555555555';
const APP_ID_URI = 'api://riskloop';

let server: JwksServer;
let keyA: TestKey;
let keyB: TestKey;
let onboarded: Set<string>;
let lookups: string[];

beforeAll(async () => {
  server = await startJwksServer();
  [keyA, keyB] = await Promise.all([rsaKey('key-a'), rsaKey('key-b')]);
});
afterAll(() => server.close());

beforeEach(() => {
  onboarded = new Set([TENANT]);
  lookups = [];
  server.publish(TENANT, [keyA]);
});
afterEach(() => {
  vi.useRealTimers();
});

function authenticator(overrides: { now?: () => Date } = {}): Authenticator {
  return createAuthenticator({
    mode: 'entra',
    audience: `${APP_ID},${APP_ID_URI}`,
    authorityHost: `${server.authorityHost}/`,
    isTenantOnboarded: (tenantId) => {
      lookups.push(tenantId);
      return Promise.resolve(onboarded.has(tenantId));
    },
    ...overrides,
  });
}

/** Lets a stray background key fetch, if the code under test started one, reach the server. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

const v2Issuer = (tid: string): string => `${server.authorityHost}/${tid}/v2.0`;

function delegated(key: TestKey, extra: Record<string, unknown> = {}, lifetime?: string): Promise<string> {
  return entraToken(
    key,
    {
      iss: v2Issuer(TENANT),
      aud: APP_ID,
      tid: TENANT,
      oid: USER,
      azp: CLIENT,
      scp: 'user_impersonation',
      wids: [DirectoryRole.SecurityReader],
      ver: '2.0',
      ...extra,
    },
    lifetime,
  );
}

async function rejection(
  auth: Authenticator,
  header: string,
): Promise<{ code: string; message: string; retryAfterSeconds?: number }> {
  const error: unknown = await auth.authenticate(header).then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toHaveProperty('code');
  return error as { code: string; message: string; retryAfterSeconds?: number };
}

describe('entra authenticator', () => {
  it('R-A2 accepts a v2 delegated token of an onboarded tenant (aud = app id)', async () => {
    const auth = authenticator();
    await expect(auth.authenticate(`Bearer ${await delegated(keyA)}`)).resolves.toEqual({
      tenantId: TENANT,
      objectId: USER,
      appId: CLIENT,
      kind: 'delegated',
      wids: [DirectoryRole.SecurityReader],
      roles: [],
    });
    expect(server.hits(TENANT)).toBeGreaterThan(0);
  });

  it('R-A2 accepts a v1 token (sts.windows.net issuer, aud = app id URI, appid) as app-only', async () => {
    const token = await entraToken(keyA, {
      iss: `https://sts.windows.net/${TENANT}/`,
      aud: APP_ID_URI,
      tid: TENANT,
      oid: USER,
      appid: CLIENT,
      idtyp: 'app',
      roles: ['IdentityRiskEvent.ReadWrite.All'],
    });
    await expect(authenticator().authenticate(`Bearer ${token}`)).resolves.toEqual({
      tenantId: TENANT,
      objectId: USER,
      appId: CLIENT,
      kind: 'app',
      wids: [],
      roles: ['IdentityRiskEvent.ReadWrite.All'],
    });
  });

  it('R-A2 a tenant that is not onboarded → 401, and its keys are never fetched', async () => {
    server.publish(OTHER_TENANT, [keyA]);
    const before = server.hits();
    const token = await delegated(keyA, { tid: OTHER_TENANT, iss: v2Issuer(OTHER_TENANT) });
    const error = await rejection(authenticator(), `Bearer ${token}`);
    expect(error).toMatchObject({
      code: 'unauthenticated',
      message: expect.stringMatching(/tenant/) as unknown,
    });
    expect(lookups).toEqual([OTHER_TENANT]);
    await settle();
    expect(server.hits(OTHER_TENANT)).toBe(0);
    expect(server.hits()).toBe(before);
  });

  it('R-A2 caches the onboarding answer per tenant for 60 s', async () => {
    let now = Date.now();
    const auth = authenticator({ now: () => new Date(now) });
    const token = await delegated(keyA);
    await auth.authenticate(`Bearer ${token}`);
    await auth.authenticate(`Bearer ${token}`);
    expect(lookups).toEqual([TENANT]);
    now += 61_000;
    await auth.authenticate(`Bearer ${token}`);
    expect(lookups).toEqual([TENANT, TENANT]);
  });

  it('R-A2 an off-boarded tenant is refused once the cached answer expires', async () => {
    let now = Date.now();
    const auth = authenticator({ now: () => new Date(now) });
    const token = await delegated(keyA);
    await auth.authenticate(`Bearer ${token}`);
    onboarded.delete(TENANT);
    now += 61_000;
    expect((await rejection(auth, `Bearer ${token}`)).code).toBe('unauthenticated');
  });

  it('a failing onboarding lookup propagates (not a 401) and is not cached', async () => {
    let fail = true;
    const auth = createAuthenticator({
      mode: 'entra',
      audience: APP_ID,
      authorityHost: server.authorityHost,
      isTenantOnboarded: () => (fail ? Promise.reject(new Error('storage down')) : Promise.resolve(true)),
    });
    const token = await delegated(keyA);
    await expect(auth.authenticate(`Bearer ${token}`)).rejects.toThrow('storage down');
    fail = false;
    await expect(auth.authenticate(`Bearer ${token}`)).resolves.toMatchObject({ tenantId: TENANT });
  });

  it.each([
    ['another tenant', () => v2Issuer(OTHER_TENANT)],
    ['the v1 issuer of another tenant', () => `https://sts.windows.net/${OTHER_TENANT}/`],
    ['a foreign authority', () => `https://login.example.com/${TENANT}/v2.0`],
    ['the dev issuer', () => 'riskloop-dev'],
  ])('R-A2 an issuer of %s → 401', async (_name, issuer) => {
    const error = await rejection(authenticator(), `Bearer ${await delegated(keyA, { iss: issuer() })}`);
    expect(error).toMatchObject({
      code: 'unauthenticated',
      message: expect.stringMatching(/issuer/) as unknown,
    });
  });

  it('R-A2 wrong audience → 401', async () => {
    const token = await delegated(keyA, { aud: 'https://graph.microsoft.com' });
    expect((await rejection(authenticator(), `Bearer ${token}`)).message).toMatch(/audience/);
  });

  it('R-A1 an expired token → 401', async () => {
    const token = await delegated(keyA, { iat: Math.floor(Date.now() / 1000) - 7200, nbf: undefined }, '-1h');
    expect((await rejection(authenticator(), `Bearer ${token}`)).message).toMatch(/expired/);
  });

  it('R-A1 a forged signature under a published kid → 401', async () => {
    const forger = await rsaKey('key-a');
    const error = await rejection(authenticator(), `Bearer ${await delegated(forger)}`);
    expect(error).toMatchObject({
      code: 'unauthenticated',
      message: expect.stringMatching(/signature/) as unknown,
    });
  });

  it('R-A1 alg none / HS256 → 401 before any lookup or key fetch', async () => {
    const part = (value: object): string => base64url.encode(JSON.stringify(value));
    const exp = Math.floor(Date.now() / 1000) + 600;
    const claims = { iss: v2Issuer(TENANT), aud: APP_ID, tid: TENANT, oid: USER, scp: 'x', exp };
    const none = `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
    const hs = `${part({ alg: 'HS256', typ: 'JWT', kid: 'key-a' })}.${part(claims)}.c2lnbmF0dXJl`;
    const before = server.hits();
    const auth = authenticator();
    for (const token of [none, hs]) {
      expect((await rejection(auth, `Bearer ${token}`)).message).toMatch(/algorithm/);
    }
    expect(lookups).toEqual([]);
    await settle();
    expect(server.hits()).toBe(before);
  });

  it.each([
    ['no tid', { tid: undefined }],
    ['a tid that is not a GUID', { tid: '../../evil' }],
  ])('R-A1 a token with %s → 401 without a lookup or key fetch', async (_name, extra) => {
    const before = server.hits();
    const error = await rejection(authenticator(), `Bearer ${await delegated(keyA, extra)}`);
    expect(error.message).toMatch(/tenant id/);
    expect(lookups).toEqual([]);
    await settle();
    expect(server.hits()).toBe(before);
  });

  it('keys that cannot be fetched → 503, not 401', async () => {
    server.fail(TENANT, 500);
    const error = await rejection(authenticator(), `Bearer ${await delegated(keyA)}`);
    expect(error.code).toBe('serviceUnavailable');
    // A 503 always says when to come back (R-X6).
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('R-A2 key rotation: a new kid is fetched after the cooldown; a removed key stops working after the cache refresh', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const auth = authenticator();
    const tokenA = await delegated(keyA);
    const tokenB = await delegated(keyB);

    await auth.authenticate(`Bearer ${tokenA}`);
    const afterFirstFetch = server.hits(TENANT);

    // Entra publishes the next key before signing with it.
    server.publish(TENANT, [keyA, keyB]);
    // Within jose's 30 s cooldown an unknown kid does not trigger a refetch (no fetch storms).
    expect((await rejection(auth, `Bearer ${tokenB}`)).message).toMatch(/signing key is not known/);
    expect(server.hits(TENANT)).toBe(afterFirstFetch);

    vi.setSystemTime(Date.now() + 31_000);
    await expect(auth.authenticate(`Bearer ${tokenB}`)).resolves.toMatchObject({ objectId: USER });
    expect(server.hits(TENANT)).toBe(afterFirstFetch + 1);

    // The old key is withdrawn: still trusted from the cache, until the cache is refreshed.
    server.publish(TENANT, [keyB]);
    await expect(auth.authenticate(`Bearer ${tokenA}`)).resolves.toMatchObject({ objectId: USER });
    expect(server.hits(TENANT)).toBe(afterFirstFetch + 1);

    vi.setSystemTime(Date.now() + 10 * 60_000 + 1_000);
    expect((await rejection(auth, `Bearer ${tokenA}`)).message).toMatch(/signing key is not known/);
    await expect(auth.authenticate(`Bearer ${tokenB}`)).resolves.toMatchObject({ objectId: USER });
    expect(server.hits(TENANT)).toBe(afterFirstFetch + 2);
  });

  it('keeps one key set per tenant: tenants do not share or evict each other’s keys', async () => {
    onboarded.add(OTHER_TENANT);
    server.publish(OTHER_TENANT, [keyB]);
    const auth = authenticator();
    await auth.authenticate(`Bearer ${await delegated(keyA)}`);
    await auth.authenticate(
      `Bearer ${await delegated(keyB, { tid: OTHER_TENANT, iss: v2Issuer(OTHER_TENANT) })}`,
    );
    // keyA is not published for OTHER_TENANT: a token of that tenant signed with it is refused.
    const crossed = await delegated(keyA, { tid: OTHER_TENANT, iss: v2Issuer(OTHER_TENANT) });
    expect((await rejection(auth, `Bearer ${crossed}`)).code).toBe('unauthenticated');
    expect(server.hits(TENANT)).toBeGreaterThan(0);
    expect(server.hits(OTHER_TENANT)).toBeGreaterThan(0);
  });
});

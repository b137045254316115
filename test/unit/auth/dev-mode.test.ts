import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { base64url, generateKeyPair, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  createAuthenticator,
  DEV_APP_ID,
  ensureDevSigningKey,
  mintDevToken,
  type Authenticator,
} from '../../../shared/auth/authenticate';
import { DirectoryRole } from '../../../shared/auth/roles';

const TENANT = '11111111-1111-4111-8111-111111111111';
const USER = '22222222-2222-4222-8222-222222222222';
const AUDIENCE = 'api://riskloop';

let dir: string;
let keyFile: string;
let auth: Authenticator;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'riskloop-auth-'));
  keyFile = path.join(dir, 'nested', 'dev-signing-key.json');
  auth = createAuthenticator({ mode: 'dev', audience: AUDIENCE, keyFile });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mint = (extra: Partial<Parameters<typeof mintDevToken>[0]> = {}): Promise<string> =>
  mintDevToken({ keyFile, audience: AUDIENCE, tenantId: TENANT, objectId: USER, ...extra });

/** The 401 reason, or fails the test when authentication succeeds or fails otherwise. */
async function rejection(header: string | undefined, authenticator = auth): Promise<string> {
  const error: unknown = await authenticator.authenticate(header).then(
    () => new Error('expected a 401'),
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: 'unauthenticated' });
  return (error as Error).message;
}

function unsigned(header: object, payload: object): string {
  const part = (value: object): string => base64url.encode(JSON.stringify(value));
  return `${part(header)}.${part(payload)}.`;
}

describe('dev signing key', () => {
  it('R-A2 is generated on first use as a private JWK, file mode 0600, parent folder created', async () => {
    const key = await ensureDevSigningKey(keyFile);
    const jwk = JSON.parse(await readFile(keyFile, 'utf8')) as Record<string, unknown>;
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(typeof jwk['d']).toBe('string');
    if (process.platform !== 'win32') expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await ensureDevSigningKey(keyFile)).kid).toBe(key.kid);
  });

  it('R-A2 concurrent first uses (npm start and npm run token) end with one key', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => ensureDevSigningKey(keyFile)));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
  });

  it('refuses a corrupt key file without quoting it', async () => {
    await ensureDevSigningKey(keyFile);
    await writeFile(keyFile, '{"kty":"EC","d":"c2VjcmV0"}');
    const error: unknown = await ensureDevSigningKey(keyFile).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/not a P-256 private JWK/);
    expect((error as Error).message).not.toContain('c2VjcmV0');
  });
});

describe('dev authenticator', () => {
  it('R-A2 round trip: a delegated dev token yields the tenant, user and wids', async () => {
    const token = await mint({ wids: [DirectoryRole.SecurityOperator] });
    await expect(auth.authenticate(`Bearer ${token}`)).resolves.toEqual({
      tenantId: TENANT,
      objectId: USER,
      appId: DEV_APP_ID,
      kind: 'delegated',
      wids: [DirectoryRole.SecurityOperator],
      roles: [],
    });
  });

  it('R-A3 roles without a user give an app-only token', async () => {
    const token = await mint({ objectId: undefined, roles: ['IdentityRiskEvent.ReadWrite.All'] });
    const principal = await auth.authenticate(`bearer ${token}`);
    expect(principal).toEqual({
      tenantId: TENANT,
      appId: DEV_APP_ID,
      kind: 'app',
      wids: [],
      roles: ['IdentityRiskEvent.ReadWrite.All'],
    });
  });

  it('R-A3 a delegated token with app roles stays delegated', async () => {
    const principal = await auth.authenticate(
      `Bearer ${await mint({ roles: ['IdentityRiskyUser.Read.All'] })}`,
    );
    expect(principal.kind).toBe('delegated');
  });

  it('mints only what it can: a token needs a user or app roles, ids must be GUIDs', async () => {
    await expect(mint({ objectId: undefined })).rejects.toThrow(/delegated token needs a user/);
    await expect(mint({ tenantId: 'contoso' })).rejects.toThrow(/tenantId must be a GUID/);
    await expect(mint({ wids: ['SecurityReader'] })).rejects.toThrow(/wids must be GUIDs/);
  });

  it('accepts any of a comma-separated audience list', async () => {
    const multi = createAuthenticator({ mode: 'dev', audience: 'api://other, api://riskloop', keyFile });
    await expect(multi.authenticate(`Bearer ${await mint()}`)).resolves.toMatchObject({ tenantId: TENANT });
  });

  it.each([
    [undefined, /missing/],
    ['', /missing/],
    ['Basic dXNlcjpwYXNz', /Bearer scheme/],
    ['Bearer', /Bearer scheme/],
    ['Bearer not-a-jwt', /malformed/],
    ['Bearer a.b.c', /malformed/],
    [`Bearer ${'a'.repeat(20_000)}.b.c`, /too large/],
  ])('R-A1 header %j → 401', async (header, reason) => {
    expect(await rejection(header)).toMatch(reason);
  });

  it('R-A1 an expired token → 401 (beyond the 5-minute clock skew)', async () => {
    const token = await mint({ now: new Date(Date.now() - 2 * 3600_000), minutes: 60 });
    expect(await rejection(`Bearer ${token}`)).toMatch(/expired/);
  });

  it('R-A1 a token within the clock skew is still accepted, a not-yet-valid one is not', async () => {
    const justExpired = await mint({ now: new Date(Date.now() - 62 * 60_000), minutes: 60 });
    await expect(auth.authenticate(`Bearer ${justExpired}`)).resolves.toMatchObject({ tenantId: TENANT });
    const future = await mint({ now: new Date(Date.now() + 3600_000) });
    expect(await rejection(`Bearer ${future}`)).toMatch(/not yet valid/);
  });

  it('R-A1 honours an injected clock', async () => {
    const token = await mint();
    const later = createAuthenticator({
      mode: 'dev',
      audience: AUDIENCE,
      keyFile,
      now: () => new Date(Date.now() + 2 * 3600_000),
    });
    expect(await rejection(`Bearer ${token}`, later)).toMatch(/expired/);
  });

  it('R-A1 alg "none" → 401, whatever the payload claims', async () => {
    const key = await ensureDevSigningKey(keyFile);
    const now = Math.floor(Date.now() / 1000);
    const token = unsigned(
      { alg: 'none', typ: 'JWT', kid: key.kid },
      { iss: 'riskloop-dev', aud: AUDIENCE, tid: TENANT, oid: USER, scp: 'x', iat: now, exp: now + 600 },
    );
    expect(await rejection(`Bearer ${token}`)).toMatch(/algorithm/);
  });

  it('R-A1 a token signed by another key with the real kid → 401 (forged signature)', async () => {
    const key = await ensureDevSigningKey(keyFile);
    const forger = await generateKeyPair('ES256');
    const token = await new SignJWT({ tid: TENANT, oid: USER, scp: 'user_impersonation' })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setIssuer('riskloop-dev')
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(forger.privateKey);
    expect(await rejection(`Bearer ${token}`)).toMatch(/signature/);
  });

  it('R-A1 a token with an unknown kid → 401', async () => {
    const forger = await generateKeyPair('ES256');
    const token = await new SignJWT({ tid: TENANT, oid: USER, scp: 'x' })
      .setProtectedHeader({ alg: 'ES256', kid: 'someone-else' })
      .setIssuer('riskloop-dev')
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(forger.privateKey);
    expect(await rejection(`Bearer ${token}`)).toMatch(/signing key is not known/);
  });

  it('R-A1 an RS256 token (as Entra signs) is not accepted in dev mode', async () => {
    const rsa = await generateKeyPair('RS256');
    const token = await new SignJWT({ tid: TENANT, oid: USER, scp: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .setExpirationTime('10m')
      .sign(rsa.privateKey);
    expect(await rejection(`Bearer ${token}`)).toMatch(/algorithm/);
  });

  it('R-A1 wrong audience → 401', async () => {
    expect(await rejection(`Bearer ${await mint({ audience: 'api://someone-else' })}`)).toMatch(/audience/);
  });

  it('R-A1 wrong issuer → 401', async () => {
    const key = await ensureDevSigningKey(keyFile);
    const token = await new SignJWT({ tid: TENANT, oid: USER, scp: 'x' })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .setIssuer(`https://login.microsoftonline.com/${TENANT}/v2.0`)
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(key.privateKey);
    expect(await rejection(`Bearer ${token}`)).toMatch(/issuer/);
  });

  it('R-A1 a token without tid or without exp → 401', async () => {
    const key = await ensureDevSigningKey(keyFile);
    const base = (claims: Record<string, unknown>): SignJWT =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid: key.kid })
        .setIssuer('riskloop-dev')
        .setAudience(AUDIENCE);
    const noTid = await base({ oid: USER, scp: 'x' }).setExpirationTime('10m').sign(key.privateKey);
    expect(await rejection(`Bearer ${noTid}`)).toMatch(/tenant id/);
    const noExp = await base({ tid: TENANT, oid: USER, scp: 'x' }).sign(key.privateKey);
    expect(await rejection(`Bearer ${noExp}`)).toMatch(/expiry/);
  });

  it('R-X7 a 401 never quotes the token', async () => {
    const token = await mint({ audience: 'api://someone-else' });
    const reason = await rejection(`Bearer ${token}`);
    for (const part of token.split('.')) expect(reason).not.toContain(part);
  });

  it('R-A2 picks up a regenerated key file without a restart', async () => {
    await auth.authenticate(`Bearer ${await mint()}`);
    await rm(keyFile);
    const fresh = await mint(); // generates a new key
    await expect(auth.authenticate(`Bearer ${fresh}`)).resolves.toMatchObject({ objectId: USER });
  });
});

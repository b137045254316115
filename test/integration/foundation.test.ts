import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, AUDIENCE, type TestService } from '../helpers/service';
import { SR, SA, tenantSeed, tenantId } from '../helpers/tenants';
import { spawnLocalHost } from '../../tools/local-host/spawn';

let service: TestService;

beforeAll(async () => {
  service = await startService();
  await service.seed(tenantSeed(1, 'p2'));
});
afterAll(async () => {
  await service?.stop();
});

function expectGraphError(body: unknown, code: string): void {
  expect(body).toEqual({
    error: {
      code,
      message: expect.any(String),
      innerError: {
        date: expect.any(String),
        'request-id': expect.any(String),
        'client-request-id': expect.any(String),
      },
    },
  });
}

describe('health (R-X6)', () => {
  it('answers 200 anonymously when storage answers', async () => {
    const res = await service.call(undefined, 'GET', '/riskloop/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'healthy', storage: 'ok' });
  });

  it('answers HEAD (the default probe of Azure Front Door) with the same status, no body', async () => {
    const res = await fetch(`${service.base}/riskloop/health`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('request-id')).toEqual(expect.any(String));
    expect(await res.text()).toBe('');
  });

  it('answers 503 when storage does not answer', async () => {
    const unreachable =
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1';
    const host = await spawnLocalHost({
      appDir: process.cwd(),
      env: { AzureWebJobsStorage: unreachable, AUTH_MODE: 'dev', DEV_SIGNING_KEY_FILE: service.keyFile },
    });
    try {
      const res = await fetch(`${host.url}/v1.0/riskloop/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unhealthy', storage: 'unavailable' });
      expect((await fetch(`${host.url}/v1.0/riskloop/health`, { method: 'HEAD' })).status).toBe(503);
    } finally {
      await host.stop();
    }
  });
});

describe('authentication (R-A1, R-A2)', () => {
  it('no token → 401 in the Graph error shape', async () => {
    const res = await service.call(undefined, 'GET', '/identityProtection/riskyUsers');
    expect(res.status).toBe(401);
    expectGraphError(await res.json(), 'InvalidAuthenticationToken');
  });

  it('R-A1: a 401 carries a Bearer challenge (WWW-Authenticate, RFC 6750); a 403 does not', async () => {
    const missing = await service.call(undefined, 'GET', '/identityProtection/riskyUsers');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    const stranger = await service.token({ tenantId: tenantId(77), objectId: tenantId(5), wids: [SR] });
    const refused = await service.call(stranger, 'GET', '/identityProtection/riskyUsers');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    const reader = await service.token({ tenantId: tenantId(1), objectId: tenantId(5), wids: [SR] });
    const forbidden = await service.call(reader, 'POST', '/identityProtection/riskyUsers/dismiss', {
      userIds: [tenantId(5)],
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toBeNull();
  });

  it('alg: none → 401', async () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const forged = `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ tid: tenantId(1), oid: tenantId(9), scp: 'x', wids: [SA], aud: AUDIENCE, iss: 'riskloop-dev', exp: 9_999_999_999 })}.`;
    const res = await service.call(forged, 'GET', '/identityProtection/riskyUsers');
    expect(res.status).toBe(401);
    expectGraphError(await res.json(), 'InvalidAuthenticationToken');
  });

  it('a token signed by an unknown key → 401', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'ES256');
    const forged = await new SignJWT({ tid: tenantId(1), oid: tenantId(9), scp: 'x', wids: [SA] })
      .setProtectedHeader({ alg: 'ES256', kid: 'unknown' })
      .setIssuer('riskloop-dev')
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(key);
    const res = await service.call(forged, 'GET', '/identityProtection/riskyUsers');
    expect(res.status).toBe(401);
  });

  it('a tenant that is not onboarded → 401', async () => {
    const token = await service.token({ tenantId: tenantId(77), objectId: tenantId(5), wids: [SR] });
    const res = await service.call(token, 'GET', '/identityProtection/riskyUsers');
    expect(res.status).toBe(401);
  });

  it('a Security Reader reads riskyUsers as a Graph collection from storage', async () => {
    const token = await service.token({ tenantId: tenantId(1), objectId: tenantId(5), wids: [SR] });
    const res = await service.call(token, 'GET', '/identityProtection/riskyUsers');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body['@odata.context']).toMatch(/\/v1\.0\/\$metadata#identityProtection\/riskyUsers$/);
    expect(body.value).toEqual([]);
  });

  it('a valid token without the role → 403 (R-A3)', async () => {
    const token = await service.token({ tenantId: tenantId(1), objectId: tenantId(5), wids: [SR] });
    const res = await service.call(token, 'POST', '/identityProtection/riskyUsers/dismiss', {
      userIds: [tenantId(5)],
    });
    expect(res.status).toBe(403);
    expectGraphError(await res.json(), 'Authorization_RequestDenied');
  });
});

describe('input validation (R-X1)', () => {
  it.each([
    ['malformed JSON', '{"userIds":', 'application/json', /not valid JSON/],
    ['wrong content type', '{"userIds":[]}', 'text/plain', /Content-Type/],
    [
      'an unknown property',
      '{"userIds":["00000001-0000-4000-8000-00000000aaaa"],"x":1}',
      'application/json',
      /x/,
    ],
    [
      'too many ids',
      JSON.stringify({ userIds: Array.from({ length: 61 }, () => tenantId(3)) }),
      'application/json',
      /userIds/,
    ],
  ])('%s → 400 naming the problem', async (_name, body, contentType, message) => {
    const token = await service.token({ tenantId: tenantId(1), objectId: tenantId(5), wids: [SA] });
    const res = await service.call(token, 'POST', '/identityProtection/riskyUsers/dismiss', body, {
      'content-type': contentType,
    });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expectGraphError(json, 'BadRequest');
    expect(json.error.message).toMatch(message);
  });

  it('a body that starts with a byte order mark is read as JSON (then: unknown user → 404)', async () => {
    const token = await service.token({ tenantId: tenantId(1), objectId: tenantId(5), wids: [SA] });
    const res = await service.call(
      token,
      'POST',
      '/identityProtection/riskyUsers/dismiss',
      `\uFEFF${JSON.stringify({ userIds: [tenantId(7)] })}`,
      { 'content-type': 'application/json; charset=utf-8' },
    );
    expect(res.status).toBe(404);
  });

  it('an oversized body → 400', async () => {
    const token = await service.token({ tenantId: tenantId(1), roles: ['IdentityRiskEvent.ReadWrite.All'] });
    const huge = JSON.stringify({ value: [{ pad: 'x'.repeat(5 * 1024 * 1024) }] });
    const res = await service.call(token, 'POST', '/riskloop/riskDetections', huge);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/larger than/);
  });
});

describe('seeding (SPEC §9)', () => {
  it('loading the same tenant file twice changes nothing', async () => {
    const seed = tenantSeed(2, 'p2');
    seed.riskDetections = [
      {
        id: 'seed-d1',
        userId: seed.users[1]!.id,
        riskEventType: 'leakedCredentials',
        riskLevel: 'high',
        detectionTimingType: 'offline',
        activity: 'user',
        activityDateTime: '2026-11-20T05:00:00.000Z',
        detectedDateTime: '2026-11-20T05:00:00.000Z',
      },
    ];
    const { loadSeed } = await import('../../shared/engine/seed');
    const first = await loadSeed(seed);
    const second = await loadSeed(seed);
    expect(first.riskDetections).toEqual({ accepted: 1, duplicates: 0 });
    expect(second.riskDetections).toEqual({ accepted: 0, duplicates: 1 });
  });
});

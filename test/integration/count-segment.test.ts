import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService } from '../helpers/service';
import { SR, tenantId, tenantSeed, userId } from '../helpers/tenants';

/**
 * `$count` as a path segment, as Graph SDKs send their count calls (PowerShell
 * `Get-MgRiskyUserCount` is `GET /identityProtection/riskyUsers/$count`): riskloop does not
 * take `$count`, so these are 400s naming it, like the `$count` query option, through the
 * local host, which loads dist/ and matches routes as the Functions host does. Neither an
 * invalid-id 400 (the `{id}` routes take the segment first) nor a 404 (the catch-all).
 */

let service: TestService;
let token: string;

beforeAll(async () => {
  service = await startService();
  await service.seed(tenantSeed(4, 'p2'));
  token = await service.token({ tenantId: tenantId(4), objectId: tenantId(5), wids: [SR] });
});
afterAll(async () => {
  await service?.stop();
});

const collections: ReadonlyArray<readonly [string, string]> = [
  ['/identityProtection/riskyUsers', 'riskyUsers'],
  ['/identityProtection/riskDetections', 'riskDetections'],
  ['/auditLogs/signIns', 'signIns'],
  [`/identityProtection/riskyUsers/${userId(4, 1)}/history`, 'history'],
  ['/riskloop/notifications', 'notifications'],
];

describe('GET <list route>/$count (SPEC §7: an option riskloop does not take is a 400 naming it)', () => {
  it.each(collections.flatMap(([path, set]) => ['$count', '%24count'].map((s) => [`${path}/${s}`, set])))(
    'GET %s: 400 in the Graph error shape naming $count as not supported on %s',
    async (path, set) => {
      const response = await service.call(token, 'GET', path, undefined, {
        'client-request-id': '0b7c1f4e-2a6d-4e8b-9c3f-5d1a7e2b4c60',
      });
      const body = (await response.json()) as { error?: { code?: string; message?: string } };
      expect({ status: response.status, message: body.error?.message }).toEqual({
        status: 400,
        message: `Path segment '$count' is not supported on ${set}`,
      });
      expect(body).toEqual({
        error: {
          code: 'BadRequest',
          message: expect.any(String),
          innerError: {
            date: expect.any(String),
            'request-id': '0b7c1f4e-2a6d-4e8b-9c3f-5d1a7e2b4c60',
            'client-request-id': '0b7c1f4e-2a6d-4e8b-9c3f-5d1a7e2b4c60',
          },
        },
      });
    },
  );

  it('the query option keeps its own wording: riskyUsers?$count=true names it as a query option', async () => {
    const response = await service.call(token, 'GET', '/identityProtection/riskyUsers?$count=true');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      "Query option '$count' is not supported on riskyUsers",
    );
  });

  it('other ids and other segments are unchanged: an invalid id is still named, an unknown path is still 404', async () => {
    const invalid = await service.call(token, 'GET', '/identityProtection/riskyUsers/count');
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { message: string } }).error.message).toBe(
      "Invalid riskyUser id 'count'.",
    );
    const unknown = await service.call(
      token,
      'GET',
      `/identityProtection/riskyUsers/${userId(4, 1)}/history/x`,
    );
    expect(unknown.status).toBe(404);
    const deeper = await service.call(token, 'GET', '/identityProtection/riskyUsers/$count/history/$count/x');
    expect(deeper.status).toBe(404);
  });
});

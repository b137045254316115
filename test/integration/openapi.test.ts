import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService } from '../helpers/service';

/**
 * The served document against what the app really registers: the local host loads dist/
 * exactly as Azure would and lists the registrations (`GET /admin/functions`), so a route
 * added to functions/ without its entry in shared/http/openapi.ts fails here.
 */

interface HttpBinding {
  type: string;
  direction: string;
  route?: string;
  methods?: string[];
}
interface Registration {
  name: string;
  bindings: Record<string, HttpBinding>;
}
type Paths = Record<string, Record<string, { operationId: string }>>;

let service: TestService;

beforeAll(async () => {
  service = await startService();
});

afterAll(async () => {
  await service?.stop();
});

async function servedDocument(): Promise<{ paths: Paths; servers: { url: string }[] }> {
  const response = await fetch(`${service.base}/riskloop/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/json');
  return (await response.json()) as { paths: Paths; servers: { url: string }[] };
}

describe('GET /v1.0/riskloop/openapi.json', () => {
  it('is served anonymously, is valid OpenAPI 3.1, and names this host as its server', async () => {
    const document = await servedDocument();
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(document.servers).toEqual([{ url: `${service.url}/v1.0` }]);
  });

  it('documents every HTTP function the app registers, and nothing else', async () => {
    const all = (await (await fetch(`${service.url}/admin/functions`)).json()) as Registration[];
    // The catch-all answers what no operation serves (below): it is not an operation.
    const catchAll = all.filter((r) => Object.values(r.bindings).some((b) => b.route === '{*path}'));
    expect(catchAll.map((r) => r.name)).toEqual(['not-found']);
    const registrations = all.filter((r) => !catchAll.includes(r));
    const registered = registrations.flatMap((registration) =>
      Object.values(registration.bindings)
        .filter((b) => b.direction === 'in' && b.type.toLowerCase() === 'httptrigger')
        .flatMap((b) =>
          (b.methods ?? ['GET', 'POST']).map(
            (method) => `${method.toUpperCase()} /${b.route ?? registration.name} ${registration.name}`,
          ),
        ),
    );
    expect(registered.length).toBeGreaterThan(20);

    const { paths } = await servedDocument();
    const documented = Object.entries(paths).flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    expect(documented.sort()).toEqual(registered.sort());
  });
});

describe('a path or method no operation serves', () => {
  it.each([
    ['GET', '/identityProtection/riskyUserz'],
    ['GET', '/no/such/thing/at/all'],
    ['DELETE', '/identityProtection/riskyUsers/00000000-0000-4000-8000-000000000001'],
    ['PUT', '/riskloop/health'],
    ['GET', '/identityProtection/riskyUsers/dismiss/extra'],
  ])('%s %s: 404 in Graph’s error shape, with its request id', async (method, path) => {
    const response = await fetch(`${service.base}${path}`, {
      method,
      headers: { 'client-request-id': '6f1c3a52-0d2b-4c7e-9a41-3b5e8d9f0a12' },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('request-id')).toBe('6f1c3a52-0d2b-4c7e-9a41-3b5e8d9f0a12');
    expect(response.headers.get('client-request-id')).toBe('6f1c3a52-0d2b-4c7e-9a41-3b5e8d9f0a12');
    expect(await response.json()).toMatchObject({
      error: {
        code: 'ResourceNotFound',
        message: `No ${method} operation at /v1.0${path}.`,
        innerError: {
          'request-id': '6f1c3a52-0d2b-4c7e-9a41-3b5e8d9f0a12',
          'client-request-id': '6f1c3a52-0d2b-4c7e-9a41-3b5e8d9f0a12',
        },
      },
    });
  });

  it('the operations themselves are still served (the catch-all comes last)', async () => {
    expect((await fetch(`${service.base}/riskloop/health`)).status).toBe(200);
    expect((await fetch(`${service.base}/identityProtection/riskyUsers`)).status).toBe(401);
  });
});

import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, routes } from '../../shared/http/openapi';

type Json = Record<string, unknown>;

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') found.push(child);
      else refsIn(child, found);
    }
  }
  return found;
}

function resolve(document: Json, pointer: string): unknown {
  return pointer
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, part) => (node as Json | undefined)?.[part], document);
}

describe('OpenAPI document', () => {
  const document = buildOpenApiDocument({ serverUrl: 'https://riskloop.example.net/v1.0' });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('the validator is not a rubber stamp: a Swagger 2 style body parameter is refused', async () => {
    const broken = structuredClone(document) as {
      paths: Record<string, Record<string, { parameters: Json[] }>>;
    };
    broken.paths['/identityProtection/riskyUsers']!.get!.parameters[0]!.in = 'body';
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('every $ref points at something in the document', () => {
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(resolve(document, ref), ref).toBeDefined();
  });

  it('has one operation per route, named by its function, under the server URL given', () => {
    const paths = document.paths as Record<string, Record<string, { operationId: string }>>;
    const operations = Object.entries(paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    expect(operations.sort()).toEqual(routes.map((r) => `${r.method} /${r.route} ${r.name}`).sort());
    expect(new Set(routes.map((r) => r.name)).size).toBe(routes.length);
    expect(document.servers).toEqual([{ url: 'https://riskloop.example.net/v1.0' }]);
  });

  it('request bodies come from the zod schemas the handlers validate with', () => {
    const schemas = (document.components as { schemas: Record<string, Json> }).schemas;
    expect(schemas.UserIdsBody).toEqual({
      type: 'object',
      properties: {
        userIds: { type: 'array', minItems: 1, maxItems: 60, items: { $ref: '#/components/schemas/Guid' } },
      },
      required: ['userIds'],
      additionalProperties: false,
    });
    expect(schemas.Guid).toMatchObject({
      type: 'string',
      pattern: expect.stringContaining('[0-9a-fA-F]{8}'),
    });
    expect(schemas.DetectionBatch).toMatchObject({
      properties: { value: { maxItems: 1000, items: { $ref: '#/components/schemas/DetectionInput' } } },
    });
    const post = (document.paths as Record<string, Record<string, Json>>)['/riskloop/riskDetections']!.post!;
    expect(post.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/DetectionBatch' } } },
    });
  });

  it('states who may call each operation (SPEC §8) and leaves health and the document anonymous', () => {
    const paths = document.paths as Record<string, Record<string, Json>>;
    const ingest = paths['/riskloop/signIns']!.post!;
    expect(ingest.security).toEqual([{ bearerAuth: [] }]);
    expect(ingest.description).toContain(
      'App-only tokens (app roles in `roles`): IdentityRiskEvent.ReadWrite.All',
    );
    const dismiss = paths['/identityProtection/riskyUsers/dismiss']!.post!;
    expect(dismiss.description).toContain('SecurityOperator, SecurityAdministrator, GlobalAdministrator');
    expect(paths['/riskloop/health']!.get!.security).toEqual([]);
    expect(paths['/riskloop/openapi.json']!.get!.security).toEqual([]);
  });

  it('list routes document the Graph query options their entity set accepts', () => {
    const list = (document.paths as Record<string, Record<string, { parameters: Json[] }>>)[
      '/identityProtection/riskyUsers'
    ]!.get!;
    const byName: Record<string, Json> = Object.fromEntries(list.parameters.map((p) => [String(p.name), p]));
    expect(Object.keys(byName)).toEqual(['$filter', '$select', '$orderby', '$top', '$skiptoken']);
    expect(byName.$top).toMatchObject({ schema: { minimum: 1, maximum: 500, default: 20 } });
    expect(byName.$orderby).toMatchObject({
      schema: { enum: ['riskLastUpdatedDateTime', 'riskLastUpdatedDateTime desc'] },
    });
    expect(String(byName.$filter!.description)).toContain('riskLevel (microsoft.graph.riskLevel)');
  });

  it('the notification log and a user history document the options they accept ($filter on the log, $select on both)', () => {
    const parametersOf = (path: string): string[] =>
      (document.paths as Record<string, Record<string, { parameters: Json[] }>>)[path]!.get!.parameters.map(
        (p) => String(p.name),
      );
    expect(parametersOf('/riskloop/notifications')).toEqual(['$filter', '$select', '$top', '$skiptoken']);
    expect(parametersOf('/identityProtection/riskyUsers/{id}/history')).toEqual([
      'id',
      '$select',
      '$top',
      '$skiptoken',
    ]);
  });

  it('feedback operations, and only they, document client-request-id as their retry key', () => {
    const paths = document.paths as Record<string, Record<string, { parameters?: Json[] }>>;
    const withHeader = Object.entries(paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, op]) => op.parameters?.some((p) => p.name === 'client-request-id' && p.in === 'header'))
        .map(([method]) => `${method} ${path}`),
    );
    expect(withHeader.sort()).toEqual(
      [
        'post /auditLogs/signIns/confirmCompromised',
        'post /auditLogs/signIns/confirmSafe',
        'post /auditLogs/signIns/dismiss',
        'post /identityProtection/riskyUsers/confirmCompromised',
        'post /identityProtection/riskyUsers/confirmSafe',
        'post /identityProtection/riskyUsers/dismiss',
      ].sort(),
    );
  });
});

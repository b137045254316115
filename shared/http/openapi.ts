import { z } from 'zod';
import { DirectoryRole, permissions, type Operation } from '../auth/roles';
import { ExternalId, Guid, IsoDateTime } from '../domain/ids';
import {
  DetectionBatch,
  DetectionInput,
  RemediationBatch,
  RemediationInput,
  SignInBatch,
  SignInInput,
} from '../domain/ingestion';
import {
  UsersAtRiskAlertPatch,
  UsersAtRiskAlertSettings,
  WeeklyDigestPatch,
  WeeklyDigestSettings,
} from '../domain/settings';
import type { EntitySet, PropertySchema } from '../query/entity-set';
import {
  historyQuery,
  notificationsQuery,
  riskDetectionsQuery,
  riskyUsersQuery,
  signInsQuery,
} from '../query/entity-sets';
import { queryLimits } from '../query/limits';
import { RequestIdsBody, UserIdsBody } from './feedback-bodies';

/**
 * The HTTP API as one table: every route the app registers (`functions/*.ts`), with the
 * zod schemas its handler validates against. The OpenAPI 3.1 document is generated from
 * it, and a test checks it against the registrations, so the two cannot drift apart.
 */

/** Graph's error body (SPEC §7), as `respond.ts` writes it. */
const GraphError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    innerError: z.object({ date: z.string(), 'request-id': z.string(), 'client-request-id': z.string() }),
  }),
});

/** Schemas published under `components.schemas`, by name; routes and other schemas refer to them. */
const namedSchemas = {
  Guid,
  ExternalId,
  IsoDateTime,
  UserIdsBody,
  RequestIdsBody,
  SignInInput,
  SignInBatch,
  DetectionInput,
  DetectionBatch,
  RemediationInput,
  RemediationBatch,
  UsersAtRiskAlertSettings,
  UsersAtRiskAlertPatch,
  WeeklyDigestSettings,
  WeeklyDigestPatch,
  GraphError,
} satisfies Record<string, z.ZodType>;

type SchemaName = keyof typeof namedSchemas;
type Method = 'GET' | 'POST' | 'PATCH' | 'HEAD';

export interface RouteSpec {
  /** The function's name (`functions/<name>.ts`); also the operationId. */
  readonly name: string;
  readonly method: Method;
  /** The route as registered, without the `v1.0` route prefix. */
  readonly route: string;
  readonly tag: 'identityProtection' | 'auditLogs' | 'riskloop';
  readonly summary: string;
  /** The SPEC §8 operation the caller needs, or `anonymous`. */
  readonly access: Operation | 'anonymous';
  /** JSON body the handler validates (by component name). */
  readonly body?: SchemaName;
  /** List routes: Graph's query options; an entity set also names what `$filter`, `$select`, `$orderby` accept. */
  readonly list?: EntitySet;
  /** Single-entity routes (GET …/{id}): `$select` over this entity set, and the entity's shape. */
  readonly entity?: EntitySet;
  readonly success: {
    readonly status: 200 | 202 | 204;
    readonly description: string;
    readonly schema?: SchemaName;
  };
  /** The route has an `{id}` that may not exist (404), or refers to directory users (404 when unknown). */
  readonly notFound?: string;
  /** Replaces the usual 503 (storage unavailable, Graph error body with `Retry-After`). */
  readonly unavailable?: string;
  /** A call that repeats the `client-request-id` of an earlier one is its retry (feedback). */
  readonly retryKey?: boolean;
}

const feedback = (
  name: string,
  route: string,
  tag: RouteSpec['tag'],
  summary: string,
  body: 'UserIdsBody' | 'RequestIdsBody',
): RouteSpec => ({
  name,
  method: 'POST',
  route,
  tag,
  summary,
  access: tag === 'identityProtection' ? 'userFeedback' : 'signInFeedback',
  body,
  success: { status: 204, description: 'Accepted; applied offline (`isProcessing` is true until then).' },
  retryKey: true,
  ...(body === 'UserIdsBody' ? { notFound: 'A user id is neither in the directory nor scored.' } : {}),
});

export const routes: readonly RouteSpec[] = [
  {
    name: 'risky-users-list',
    method: 'GET',
    route: 'identityProtection/riskyUsers',
    tag: 'identityProtection',
    summary: 'List risky users',
    access: 'read',
    list: riskyUsersQuery,
    success: { status: 200, description: 'A page of risky users.' },
  },
  {
    name: 'risky-users-get',
    method: 'GET',
    route: 'identityProtection/riskyUsers/{id}',
    tag: 'identityProtection',
    summary: 'Get a risky user',
    access: 'read',
    entity: riskyUsersQuery,
    success: { status: 200, description: 'The risky user.' },
    notFound: 'No such risky user.',
  },
  {
    name: 'risky-users-history',
    method: 'GET',
    route: 'identityProtection/riskyUsers/{id}/history',
    tag: 'identityProtection',
    summary: "List a risky user's history items",
    access: 'read',
    list: historyQuery,
    success: { status: 200, description: 'A page of history items.' },
    notFound: 'No such risky user.',
  },
  feedback(
    'risky-users-confirm-compromised',
    'identityProtection/riskyUsers/confirmCompromised',
    'identityProtection',
    'Confirm users compromised (R-F3)',
    'UserIdsBody',
  ),
  feedback(
    'risky-users-dismiss',
    'identityProtection/riskyUsers/dismiss',
    'identityProtection',
    "Dismiss users' risk (R-F4)",
    'UserIdsBody',
  ),
  feedback(
    'risky-users-confirm-safe',
    'identityProtection/riskyUsers/confirmSafe',
    'identityProtection',
    'Confirm users safe (R-F8)',
    'UserIdsBody',
  ),
  {
    name: 'risk-detections-list',
    method: 'GET',
    route: 'identityProtection/riskDetections',
    tag: 'identityProtection',
    summary: 'List risk detections',
    access: 'read',
    list: riskDetectionsQuery,
    success: { status: 200, description: 'A page of risk detections.' },
  },
  {
    name: 'risk-detections-get',
    method: 'GET',
    route: 'identityProtection/riskDetections/{id}',
    tag: 'identityProtection',
    summary: 'Get a risk detection',
    access: 'read',
    entity: riskDetectionsQuery,
    success: { status: 200, description: 'The risk detection.' },
    notFound: 'No such risk detection.',
  },
  {
    name: 'sign-ins-list',
    method: 'GET',
    route: 'auditLogs/signIns',
    tag: 'auditLogs',
    summary: 'List sign-ins with their risk',
    access: 'read',
    list: signInsQuery,
    success: { status: 200, description: 'A page of sign-ins.' },
  },
  {
    name: 'sign-ins-get',
    method: 'GET',
    route: 'auditLogs/signIns/{id}',
    tag: 'auditLogs',
    summary: 'Get a sign-in',
    access: 'read',
    entity: signInsQuery,
    success: { status: 200, description: 'The sign-in.' },
    notFound: 'No such sign-in.',
  },
  feedback(
    'sign-ins-confirm-safe',
    'auditLogs/signIns/confirmSafe',
    'auditLogs',
    'Confirm sign-ins safe (R-F1)',
    'RequestIdsBody',
  ),
  feedback(
    'sign-ins-confirm-compromised',
    'auditLogs/signIns/confirmCompromised',
    'auditLogs',
    'Confirm sign-ins compromised (R-F2)',
    'RequestIdsBody',
  ),
  feedback(
    'sign-ins-dismiss',
    'auditLogs/signIns/dismiss',
    'auditLogs',
    'Dismiss sign-ins (R-F9)',
    'RequestIdsBody',
  ),
  {
    name: 'ingest-sign-ins',
    method: 'POST',
    route: 'riskloop/signIns',
    tag: 'riskloop',
    summary: 'Ingest sign-ins with their real-time detections',
    access: 'ingest',
    body: 'SignInBatch',
    success: { status: 202, description: 'Accepted; counts of new and already known items.' },
  },
  {
    name: 'ingest-risk-detections',
    method: 'POST',
    route: 'riskloop/riskDetections',
    tag: 'riskloop',
    summary: 'Ingest risk detections (re-sending an id changes nothing)',
    access: 'ingest',
    body: 'DetectionBatch',
    success: { status: 202, description: 'Accepted; counts of new and already known items.' },
  },
  {
    name: 'ingest-remediations',
    method: 'POST',
    route: 'riskloop/remediations',
    tag: 'riskloop',
    summary: 'Ingest remediations (R-F5)',
    access: 'ingest',
    body: 'RemediationBatch',
    success: { status: 202, description: 'Accepted; counts of new and already known items.' },
  },
  {
    name: 'settings-users-at-risk-alert',
    method: 'GET',
    route: 'riskloop/settings/usersAtRiskAlert',
    tag: 'riskloop',
    summary: "The tenant's users-at-risk alert settings",
    access: 'read',
    success: { status: 200, description: 'The settings.', schema: 'UsersAtRiskAlertSettings' },
  },
  {
    name: 'settings-users-at-risk-alert-patch',
    method: 'PATCH',
    route: 'riskloop/settings/usersAtRiskAlert',
    tag: 'riskloop',
    summary: "Change the tenant's users-at-risk alert settings",
    access: 'changeSettings',
    body: 'UsersAtRiskAlertPatch',
    success: {
      status: 200,
      description: 'The settings after the change.',
      schema: 'UsersAtRiskAlertSettings',
    },
  },
  {
    name: 'settings-users-at-risk-alert-recipients',
    method: 'GET',
    route: 'riskloop/settings/usersAtRiskAlert/recipients',
    tag: 'riskloop',
    summary: 'The resolved alert recipients (R-E6), each with why it is there',
    access: 'read',
    success: { status: 200, description: 'The recipients.' },
  },
  {
    name: 'settings-weekly-digest',
    method: 'GET',
    route: 'riskloop/settings/weeklyDigest',
    tag: 'riskloop',
    summary: "The tenant's weekly digest settings",
    access: 'read',
    success: { status: 200, description: 'The settings.', schema: 'WeeklyDigestSettings' },
  },
  {
    name: 'settings-weekly-digest-patch',
    method: 'PATCH',
    route: 'riskloop/settings/weeklyDigest',
    tag: 'riskloop',
    summary: "Change the tenant's weekly digest settings",
    access: 'changeSettings',
    body: 'WeeklyDigestPatch',
    success: { status: 200, description: 'The settings after the change.', schema: 'WeeklyDigestSettings' },
  },
  {
    name: 'notifications-list',
    method: 'GET',
    route: 'riskloop/notifications',
    tag: 'riskloop',
    summary: 'The log of alert and digest emails',
    access: 'read',
    list: notificationsQuery,
    success: {
      status: 200,
      description:
        'A page of notification log entries, newest first. A page may hold fewer than `$top`: it ends ' +
        'once its users would pass 3,000,000 characters (an entry larger than that is a page of its ' +
        'own); follow `@odata.nextLink`.',
    },
  },
  {
    name: 'health',
    method: 'GET',
    route: 'riskloop/health',
    tag: 'riskloop',
    summary: 'Health: 200 when storage answers, 503 otherwise',
    access: 'anonymous',
    success: { status: 200, description: 'Healthy.' },
    unavailable: 'Storage does not answer.',
  },
  {
    name: 'health-head',
    method: 'HEAD',
    route: 'riskloop/health',
    tag: 'riskloop',
    summary: "Health for probes that use HEAD: the GET's status and headers, no body",
    access: 'anonymous',
    success: { status: 200, description: 'Healthy.' },
    unavailable: 'Storage does not answer.',
  },
  {
    name: 'openapi',
    method: 'GET',
    route: 'riskloop/openapi.json',
    tag: 'riskloop',
    summary: 'This OpenAPI document',
    access: 'anonymous',
    success: { status: 200, description: 'The OpenAPI 3.1 document.' },
  },
];

type JsonObject = Record<string, unknown>;

const roleNameById = new Map<string, string>(Object.entries(DirectoryRole).map(([name, id]) => [id, name]));

function accessDescription(operation: Operation): string {
  const { description, wids, roles } = permissions[operation];
  const delegated = wids.map((id) => roleNameById.get(id) ?? id).join(', ') || 'none';
  const appOnly = roles.join(', ') || 'none';
  return `Needs permission to ${description}. Delegated tokens (directory roles in \`wids\`): ${delegated}. App-only tokens (app roles in \`roles\`): ${appOnly}.`;
}

function propertySchema(property: PropertySchema): JsonObject {
  switch (property.type) {
    case 'string':
      return { type: 'string' };
    case 'boolean':
      return { type: 'boolean' };
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'enum':
      return { type: 'string', enum: [...property.values] };
  }
}

/** An entity of the set: its selectable properties, typed where the set knows them. */
function itemSchema(set: EntitySet): JsonObject {
  return {
    type: 'object',
    properties: Object.fromEntries(
      set.selectable.map((name) => {
        const property = set.properties[name];
        return [name, property ? propertySchema(property) : {}];
      }),
    ),
  };
}

/** One entity as a GET …/{id} answers it: its properties and `@odata.context` (…/$entity). */
function entitySchema(set: EntitySet): JsonObject {
  const item = itemSchema(set);
  return {
    ...item,
    properties: { '@odata.context': { type: 'string' }, ...(item.properties as JsonObject) },
    required: ['@odata.context'],
  };
}

function selectParameter(set: EntitySet): JsonObject {
  return {
    name: '$select',
    in: 'query',
    required: false,
    description: `Comma-separated properties: ${set.selectable.join(', ')}.`,
    schema: { type: 'string' },
  };
}

function collectionSchema(set: EntitySet): JsonObject {
  const item = itemSchema(set);
  return {
    type: 'object',
    properties: {
      '@odata.context': { type: 'string' },
      value: { type: 'array', items: item },
      '@odata.nextLink': {
        type: 'string',
        format: 'uri',
        description: 'The next page (opaque `$skiptoken`).',
      },
    },
    required: ['@odata.context', 'value'],
  };
}

function listParameters(set: EntitySet): JsonObject[] {
  const parameters: JsonObject[] = [];
  if (Object.keys(set.properties).length > 0) {
    const filterable = Object.entries(set.properties)
      .map(([name, p]) => (p.type === 'enum' ? `${name} (microsoft.graph.${p.enumType})` : name))
      .join(', ');
    parameters.push({
      name: '$filter',
      in: 'query',
      required: false,
      description: `OData filter: eq ne gt ge lt le, and, or, parentheses; on ${filterable}. At most ${queryLimits.maxFilterComparisons} comparisons. Enum literals as 'high' or microsoft.graph.riskLevel'high'.`,
      schema: { type: 'string', maxLength: queryLimits.maxFilterLength },
    });
  }
  parameters.push(selectParameter(set));
  const orderable = Object.entries(set.orderable);
  if (orderable.length > 0) {
    parameters.push({
      name: '$orderby',
      in: 'query',
      required: false,
      schema: {
        type: 'string',
        enum: orderable.flatMap(([name, directions]) =>
          directions.map((d) => (d === 'asc' ? name : `${name} desc`)),
        ),
      },
    });
  }
  const { top } = set;
  parameters.push(
    {
      name: '$top',
      in: 'query',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: top.max, default: top.default },
    },
    {
      name: '$skiptoken',
      in: 'query',
      required: false,
      description: 'Opaque; taken from `@odata.nextLink`.',
      schema: { type: 'string', maxLength: queryLimits.maxSkipTokenLength },
    },
  );
  return parameters;
}

const ref = (name: SchemaName): JsonObject => ({ $ref: `#/components/schemas/${name}` });

function errorResponse(description: string): JsonObject {
  return { description, content: { 'application/json': { schema: ref('GraphError') } } };
}

/** The body of a route's success answer: its named schema, a collection, or one entity. */
function successSchema(spec: RouteSpec): JsonObject {
  if (spec.success.schema) return ref(spec.success.schema);
  if (spec.list) return collectionSchema(spec.list);
  if (spec.entity) return entitySchema(spec.entity);
  return { type: 'object' };
}

function operationOf(spec: RouteSpec): JsonObject {
  const responses: Record<string, JsonObject> = {};
  const { status, description } = spec.success;
  responses[String(status)] =
    status === 204
      ? { description }
      : {
          description,
          content: {
            'application/json': {
              schema: successSchema(spec),
            },
          },
        };
  if (spec.body || spec.list || spec.entity)
    responses['400'] = errorResponse('Invalid body or query option; the message names the field.');
  if (spec.access !== 'anonymous') {
    responses['401'] = errorResponse('Missing or invalid token, or a tenant that is not onboarded.');
    responses['403'] = errorResponse('The token lacks the role this operation needs.');
  }
  if (spec.notFound) responses['404'] = errorResponse(spec.notFound);
  responses['503'] = spec.unavailable
    ? { description: spec.unavailable, content: { 'application/json': { schema: { type: 'object' } } } }
    : {
        ...errorResponse('Storage is unavailable; retry after the given delay.'),
        headers: { 'Retry-After': { schema: { type: 'integer' } } },
      };

  const parameters: JsonObject[] = [];
  if (spec.route.includes('{id}')) {
    parameters.push({ name: 'id', in: 'path', required: true, schema: { type: 'string' } });
  }
  if (spec.list) parameters.push(...listParameters(spec.list));
  if (spec.entity) parameters.push(selectParameter(spec.entity));
  if (spec.retryKey) {
    parameters.push({
      name: 'client-request-id',
      in: 'header',
      required: false,
      description:
        'A GUID naming the call (Graph SDKs send one). A call repeating the id of one by the same caller within an hour is its retry: actions it recorded are not recorded again.',
      schema: { type: 'string', format: 'uuid' },
    });
  }

  // A HEAD answer has the GET's status and headers, never a body.
  if (spec.method === 'HEAD')
    for (const [code, { content: _content, ...response }] of Object.entries(responses))
      responses[code] = response;

  return {
    operationId: spec.name,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.access === 'anonymous'
      ? { security: [] }
      : { description: accessDescription(spec.access), security: [{ bearerAuth: [] }] }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(spec.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: ref(spec.body) } } } }
      : {}),
    responses,
  };
}

/** The zod schemas as JSON Schema 2020-12 (OpenAPI 3.1's dialect), referring to each other by name. */
function componentSchemas(): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(namedSchemas)) registry.add(schema, { id });
  // Request bodies are described as the client sends them (defaults optional, before transforms).
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema as JsonObject;
      return [id, rest];
    }),
  );
}

export interface OpenApiOptions {
  /** Base URL including the route prefix, e.g. `https://app.azurewebsites.net/v1.0`. */
  serverUrl?: string;
}

/** The OpenAPI 3.1 document of every route in {@link routes}. */
export function buildOpenApiDocument(options: OpenApiOptions = {}): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const spec of routes) {
    const path = `/${spec.route}`;
    paths[path] ??= {};
    paths[path][spec.method.toLowerCase()] = operationOf(spec);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'riskloop',
      version: '1.0',
      description:
        "Identity-risk service with Microsoft Graph's identityProtection API shapes. Azure's admin endpoint " +
        '`POST /admin/functions/{name}` (outside the `v1.0` prefix, master key required in Azure) runs a ' +
        'non-HTTP function on demand.',
    },
    servers: [{ url: options.serverUrl ?? '/v1.0' }],
    tags: [
      { name: 'identityProtection', description: 'Graph-compatible risky users and risk detections.' },
      { name: 'auditLogs', description: 'Graph-compatible sign-ins with their risk.' },
      { name: 'riskloop', description: "riskloop's own routes: ingestion, settings, notifications, health." },
    ],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "An Entra ID access token for the app (audience: the app's id or id URI); the token's tenant must be onboarded.",
        },
      },
      schemas: componentSchemas(),
    },
  };
}

import { TableClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { expect } from 'vitest';
import { allTableNames } from '../../../shared/storage/keys';
import { eventually, type TestService } from '../../helpers/service';

/** Shared by the reliability suites (issue 6): the route table, storage snapshots, the Graph error check. */

export type Operation =
  'read' | 'userFeedback' | 'signInFeedback' | 'changeSettings' | 'ingest' | 'anonymous';

export interface RouteSpec {
  readonly method: 'GET' | 'POST' | 'PATCH';
  /** The path under /v1.0; `{id}` is filled in by the test. */
  readonly path: string;
  readonly operation: Operation;
  /** What the body of a POST/PATCH must look like (decides which bad bodies are thrown at it). */
  readonly body?:
    | 'userIds'
    | 'requestIds'
    | 'signIns'
    | 'riskDetections'
    | 'remediations'
    | 'alertSettings'
    | 'digestSettings';
  /** List routes take OData query options. */
  readonly list?: boolean;
  /** The kind of `{id}` in the path. */
  readonly id?: 'guid' | 'external';
}

/** Every HTTP route of SPEC §7, with the SPEC §8 operation that guards it. */
export const routes: readonly RouteSpec[] = [
  { method: 'GET', path: '/identityProtection/riskyUsers', operation: 'read', list: true },
  { method: 'GET', path: '/identityProtection/riskyUsers/{id}', operation: 'read', id: 'guid' },
  {
    method: 'GET',
    path: '/identityProtection/riskyUsers/{id}/history',
    operation: 'read',
    id: 'guid',
    list: true,
  },
  {
    method: 'POST',
    path: '/identityProtection/riskyUsers/confirmCompromised',
    operation: 'userFeedback',
    body: 'userIds',
  },
  {
    method: 'POST',
    path: '/identityProtection/riskyUsers/dismiss',
    operation: 'userFeedback',
    body: 'userIds',
  },
  {
    method: 'POST',
    path: '/identityProtection/riskyUsers/confirmSafe',
    operation: 'userFeedback',
    body: 'userIds',
  },
  { method: 'GET', path: '/identityProtection/riskDetections', operation: 'read', list: true },
  { method: 'GET', path: '/identityProtection/riskDetections/{id}', operation: 'read', id: 'external' },
  { method: 'GET', path: '/auditLogs/signIns', operation: 'read', list: true },
  { method: 'GET', path: '/auditLogs/signIns/{id}', operation: 'read', id: 'external' },
  { method: 'POST', path: '/auditLogs/signIns/confirmSafe', operation: 'signInFeedback', body: 'requestIds' },
  {
    method: 'POST',
    path: '/auditLogs/signIns/confirmCompromised',
    operation: 'signInFeedback',
    body: 'requestIds',
  },
  { method: 'POST', path: '/auditLogs/signIns/dismiss', operation: 'signInFeedback', body: 'requestIds' },
  { method: 'POST', path: '/riskloop/signIns', operation: 'ingest', body: 'signIns' },
  { method: 'POST', path: '/riskloop/riskDetections', operation: 'ingest', body: 'riskDetections' },
  { method: 'POST', path: '/riskloop/remediations', operation: 'ingest', body: 'remediations' },
  { method: 'GET', path: '/riskloop/settings/usersAtRiskAlert', operation: 'read' },
  {
    method: 'PATCH',
    path: '/riskloop/settings/usersAtRiskAlert',
    operation: 'changeSettings',
    body: 'alertSettings',
  },
  { method: 'GET', path: '/riskloop/settings/usersAtRiskAlert/recipients', operation: 'read' },
  { method: 'GET', path: '/riskloop/settings/weeklyDigest', operation: 'read' },
  {
    method: 'PATCH',
    path: '/riskloop/settings/weeklyDigest',
    operation: 'changeSettings',
    body: 'digestSettings',
  },
  { method: 'GET', path: '/riskloop/notifications', operation: 'read', list: true },
  { method: 'GET', path: '/riskloop/health', operation: 'anonymous' },
  { method: 'GET', path: '/riskloop/openapi.json', operation: 'anonymous' },
];

export const routeName = (r: RouteSpec): string => `${r.method} ${r.path}`;

/** Graph's error body (SPEC §7), for any status. */
export function expectGraphError(body: unknown, context = ''): void {
  expect(body, context).toEqual({
    error: {
      code: expect.any(String),
      message: expect.any(String),
      innerError: {
        date: expect.any(String),
        'request-id': expect.any(String),
        'client-request-id': expect.any(String),
      },
    },
  });
}

/** A fetch that cannot hang: a request taking longer than this fails the test. */
export const REQUEST_TIMEOUT_MS = 30_000;

export async function send(
  service: TestService,
  token: string | undefined,
  method: string,
  pathAndQuery: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; json: unknown; headers: Headers }> {
  const res = await fetch(`${service.base}${pathAndQuery}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

export interface StorageSnapshot {
  /** `PartitionKey|RowKey` → the whole entity as JSON, etag and timestamp included. */
  readonly entities: ReadonlyMap<string, string>;
  /** Queue name → approximate message count (visible and invisible). */
  readonly queues: ReadonlyMap<string, number>;
}

/** Every entity of the app's tables and every queue's message count, read straight from Azurite. */
export async function snapshotStorage(connectionString: string): Promise<StorageSnapshot> {
  const entities = new Map<string, string>();
  for (const name of allTableNames()) {
    const table = TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
    for await (const entity of table.listEntities()) {
      entities.set(`${entity.partitionKey}|${entity.rowKey}`, JSON.stringify(entity));
    }
  }
  const service = QueueServiceClient.fromConnectionString(connectionString);
  const queues = new Map<string, number>();
  for await (const queue of service.listQueues()) {
    const properties = await service.getQueueClient(queue.name).getProperties();
    queues.set(queue.name, properties.approximateMessagesCount ?? 0);
  }
  return { entities, queues };
}

/** Entities added, removed or changed between two snapshots (empty when storage is unchanged). */
export function storageDiff(before: StorageSnapshot, after: StorageSnapshot): string[] {
  const changes: string[] = [];
  for (const [key, value] of after.entities) {
    const old = before.entities.get(key);
    if (old === undefined) changes.push(`added ${key}`);
    else if (old !== value) changes.push(`changed ${key}`);
  }
  for (const key of before.entities.keys()) if (!after.entities.has(key)) changes.push(`removed ${key}`);
  for (const [name, count] of after.queues) {
    if ((before.queues.get(name) ?? 0) !== count) {
      changes.push(`queue ${name}: ${before.queues.get(name) ?? 0} → ${count} messages`);
    }
  }
  return changes;
}

/** Waits until no queue holds a message (the worker is idle) for two polls in a row. */
export async function waitUntilQueuesEmpty(service: TestService, timeoutMs = 120_000): Promise<void> {
  let quietPolls = 0;
  await eventually(
    async () => {
      const { queues } = await snapshotStorage(service.azurite.connectionString);
      const busy = [...queues].some(([name, count]) => !name.endsWith('-poison') && count > 0);
      quietPolls = busy ? 0 : quietPolls + 1;
      return quietPolls >= 2 ? true : undefined;
    },
    timeoutMs,
    'the queues to drain',
  );
}

import { TableClient, TableServiceClient } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { getConfig, type Settings } from '../config';
import { allTableNames, tableOf } from './keys';
import { countingPolicy } from './metrics';

/** Queue names. Trigger registrations and producers both take them from here. */
export const queues = {
  rescore: 'riskloop-rescore',
  alerts: 'riskloop-alerts',
  digest: 'riskloop-digest',
} as const;

/** The app setting that names the storage connection for triggers (Functions convention). */
export const STORAGE_CONNECTION = 'AzureWebJobsStorage';

/** The app's tables (shared/storage/keys.ts): each partition is in exactly one of them. */
export interface Tables {
  /** The client of the table that holds `partitionKey`. */
  of(partitionKey: string): TableClient;
  /** A client of every table, for creating them. */
  all(): TableClient[];
}

export interface StorageClients {
  tables: Tables;
  queue: (name: string) => QueueClient;
}

/** How the app authenticates to storage when it uses an identity (the Functions conventions). */
export type StorageCredentialKind =
  /** `__credential=managedidentity`: the app's managed identity; `clientId` picks a user-assigned one. */
  | { kind: 'managedIdentity'; clientId?: string }
  /** No `__credential`: like the Functions host, the default chain (environment, managed identity, Azure CLI, ...). */
  | { kind: 'default' };

/** Where storage is and how to reach it, derived from settings alone. */
export type StorageTarget =
  | { kind: 'connectionString'; connectionString: string; allowInsecureConnection: boolean }
  | { kind: 'identity'; tableUrl: string; queueUrl: string; credential: StorageCredentialKind };

/**
 * Maps validated settings to a {@link StorageTarget}: a connection string, or the Functions
 * identity-based settings — `AzureWebJobsStorage__accountName` (the account's public
 * endpoints) or `__tableServiceUri` + `__queueServiceUri`, with `__credential` and `__clientId`.
 * Pure, so every shape is unit-tested; `shared/config.ts` has already refused incomplete or
 * ambiguous combinations.
 */
export function storageTargetOf(settings: Settings): StorageTarget {
  const connectionString = settings.AzureWebJobsStorage;
  if (connectionString) {
    return {
      kind: 'connectionString',
      connectionString,
      allowInsecureConnection:
        /DefaultEndpointsProtocol=http;|TableEndpoint=http:|UseDevelopmentStorage=true/i.test(
          connectionString,
        ),
    };
  }
  const account = settings.AzureWebJobsStorage__accountName;
  const serviceUrl = (explicit: string | undefined, service: 'table' | 'queue'): string => {
    if (explicit) return explicit.replace(/\/+$/, '');
    if (!account) throw new Error(`AzureWebJobsStorage__${service}ServiceUri or __accountName must be set`);
    return `https://${account}.${service}.core.windows.net`;
  };
  const clientId = settings.AzureWebJobsStorage__clientId;
  return {
    kind: 'identity',
    tableUrl: serviceUrl(settings.AzureWebJobsStorage__tableServiceUri, 'table'),
    queueUrl: serviceUrl(settings.AzureWebJobsStorage__queueServiceUri, 'queue'),
    credential:
      settings.AzureWebJobsStorage__credential === 'managedidentity'
        ? { kind: 'managedIdentity', ...(clientId ? { clientId } : {}) }
        : { kind: 'default' },
  };
}

/** The `@azure/identity` credential for a {@link StorageCredentialKind}. */
export function identityCredential(credential: StorageCredentialKind): TokenCredential {
  if (credential.kind === 'managedIdentity') {
    return credential.clientId
      ? new ManagedIdentityCredential({ clientId: credential.clientId })
      : new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential();
}

/**
 * Builds the clients for a target. `credentialFor` is the seam for tests (a stub
 * TokenCredential); the app always uses {@link identityCredential}.
 */
export function createStorageClients(
  target: StorageTarget,
  credentialFor: (credential: StorageCredentialKind) => TokenCredential = identityCredential,
): StorageClients {
  let tableClient: (name: string) => TableClient;
  let queueService: QueueServiceClient;
  if (target.kind === 'connectionString') {
    tableClient = (name) =>
      TableClient.fromConnectionString(target.connectionString, name, {
        allowInsecureConnection: target.allowInsecureConnection,
      });
    queueService = QueueServiceClient.fromConnectionString(target.connectionString);
  } else {
    const credential = credentialFor(target.credential);
    tableClient = (name) => new TableClient(target.tableUrl, name, credential);
    queueService = new QueueServiceClient(target.queueUrl, credential);
  }
  const table = onePerName((name) => {
    const client = tableClient(name);
    client.pipeline.addPolicy(countingPolicy);
    return client;
  });
  return {
    tables: { of: (partitionKey) => table(tableOf(partitionKey)), all: () => allTableNames().map(table) },
    queue: onePerName((name) => queueService.getQueueClient(name)),
  };
}

/** `make`, called once per name: later calls with the name return the first result. */
function onePerName<T>(make: (name: string) => T): (name: string) => T {
  const made = new Map<string, T>();
  return (name) => {
    let value = made.get(name);
    if (value === undefined) {
      value = make(name);
      made.set(name, value);
    }
    return value;
  };
}

function fromSettings(settings: Settings): StorageClients {
  return createStorageClients(storageTargetOf(settings));
}

let clients: StorageClients | undefined;
let ready: Promise<void> | undefined;

/** The app's storage clients, built once from configuration. */
export function getStorage(): StorageClients {
  clients ??= fromSettings(getConfig());
  return clients;
}

/** For tests that point the app at other storage in the same process: the next {@link getStorage} builds anew. */
export function resetStorageForTests(): void {
  clients = undefined;
  ready = undefined;
}

/** Creates the tables and queues if missing; idempotent, once per process (retried after a failure). */
export function ensureStorage(): Promise<void> {
  ready ??= (async () => {
    const { tables, queue } = getStorage();
    await Promise.all([
      ...tables.all().map((table) => table.createTable()),
      ...Object.values(queues).map((name) => queue(name).createIfNotExists()),
    ]);
  })().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  return ready;
}

/** For the service client only tools need (e.g. deleting tables in tests). */
export function tableServiceFromConnection(connection: string): TableServiceClient {
  return TableServiceClient.fromConnectionString(connection, { allowInsecureConnection: true });
}

export type { QueueClient };

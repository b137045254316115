import { TableClient, TableServiceClient } from '@azure/data-tables';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { getConfig, type Settings } from '../config';
import { TABLE_NAME } from './keys';
import { countingPolicy } from './metrics';

/** Queue names. Trigger registrations and producers both take them from here. */
export const queues = {
  rescore: 'riskloop-rescore',
  alerts: 'riskloop-alerts',
  digest: 'riskloop-digest',
} as const;

/** The app setting that names the storage connection for triggers (Functions convention). */
export const STORAGE_CONNECTION = 'AzureWebJobsStorage';

export interface StorageClients {
  table: TableClient;
  queue: (name: string) => QueueClient;
}

function fromSettings(settings: Settings): StorageClients {
  const connection = settings.AzureWebJobsStorage;
  if (!connection) {
    throw new Error(
      'Identity-based storage (AzureWebJobsStorage__*) is not supported yet; set AzureWebJobsStorage',
    );
  }
  const insecure = /DefaultEndpointsProtocol=http;|TableEndpoint=http:|UseDevelopmentStorage=true/i.test(
    connection,
  );
  const table = TableClient.fromConnectionString(connection, TABLE_NAME, {
    allowInsecureConnection: insecure,
  });
  table.pipeline.addPolicy(countingPolicy);
  const queueService = QueueServiceClient.fromConnectionString(connection);
  const queueClients = new Map<string, QueueClient>();
  return {
    table,
    queue: (name) => {
      let client = queueClients.get(name);
      if (!client) {
        client = queueService.getQueueClient(name);
        queueClients.set(name, client);
      }
      return client;
    },
  };
}

let clients: StorageClients | undefined;
let ready: Promise<void> | undefined;

/** The app's storage clients, built once from configuration. */
export function getStorage(): StorageClients {
  clients ??= fromSettings(getConfig());
  return clients;
}

/** Creates the table and queues if missing; idempotent, once per process (retried after a failure). */
export function ensureStorage(): Promise<void> {
  ready ??= (async () => {
    const { table, queue } = getStorage();
    await table.createTable();
    await Promise.all(Object.values(queues).map((name) => queue(name).createIfNotExists()));
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

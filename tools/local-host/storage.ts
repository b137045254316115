import { TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';

export const DEFAULT_CONNECTION = 'AzureWebJobsStorage';

/**
 * The connection string a binding's `connection` names. Azure looks the name up as an app
 * setting, then with the `AzureWebJobs` prefix; identity-based settings (`NAME__accountName`,
 * `NAME__queueServiceUri`) need a managed identity and are not available locally.
 */
export function connectionStringFor(connection: string | undefined, env: NodeJS.ProcessEnv): string {
  const name = connection && connection.trim() !== '' ? connection : DEFAULT_CONNECTION;
  const value = env[name] ?? env[`AzureWebJobs${name}`];
  if (value && value.trim() !== '') return value;
  const identity = Object.keys(env)
    .filter((key) => key.startsWith(`${name}__`))
    .sort();
  throw new Error(
    identity.length > 0
      ? `Connection "${name}" is identity-based (${identity.join(', ')}); the local host needs a connection string in "${name}"`
      : `Connection setting "${name}" is not set (needed by every trigger but HTTP)`,
  );
}

export function queueClientFor(connectionString: string, queueName: string): QueueClient {
  return new QueueClient(connectionString, queueName);
}

export function tableClientFor(connectionString: string, tableName: string): TableClient {
  // Azurite speaks plain http, which the tables SDK refuses unless told otherwise.
  return TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
}

/**
 * Azure lower-cases queue names from bindings before validating them; names that are still
 * invalid fail at startup rather than at the first poll.
 */
export function normalizeQueueName(queueName: string, what: string): string {
  const name = queueName.toLowerCase();
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(name)) {
    throw new Error(`${what}: "${queueName}" is not a valid queue name`);
  }
  return name;
}

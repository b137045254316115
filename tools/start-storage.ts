import { connectionStringFor, DEFAULT_CONNECTION } from './local-host/storage';

/**
 * Which storage `npm start` uses: the connection string in `AzureWebJobsStorage`, or, with
 * no storage setting at all (undefined), an embedded Azurite. Identity-based settings
 * (`AzureWebJobsStorage__accountName`, …) alone are refused before anything starts, as the
 * local host refuses them ({@link connectionStringFor}): starting an embedded Azurite beside
 * them would end in a refusal that names a connection string nobody set.
 */
export function configuredStorageOf(env: Readonly<Record<string, string | undefined>>): string | undefined {
  return namesStorage(env) ? connectionStringFor(DEFAULT_CONNECTION, env) : undefined;
}

/** Whether any storage setting is set: the connection string, or an identity-based `AzureWebJobsStorage__*`. */
export function namesStorage(env: Readonly<Record<string, string | undefined>>): boolean {
  return Object.keys(env).some(
    (key) => (key === DEFAULT_CONNECTION || key.startsWith(`${DEFAULT_CONNECTION}__`)) && env[key],
  );
}

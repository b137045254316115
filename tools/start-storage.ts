/**
 * Which storage `npm start` uses: the connection string in `AzureWebJobsStorage`, or, with
 * no storage setting at all (undefined), an embedded Azurite. Identity-based settings
 * (`AzureWebJobsStorage__accountName`, …) alone are refused before anything starts: the local
 * host cannot use an identity (tools/local-host/storage.ts), and starting an embedded Azurite
 * beside them would end in a refusal that names a connection string nobody set.
 */
export function configuredStorageOf(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.AzureWebJobsStorage) return env.AzureWebJobsStorage;
  const identity = Object.keys(env).filter((key) => key.startsWith('AzureWebJobsStorage__') && env[key]);
  if (identity.length > 0) {
    throw new Error(
      `${identity.sort().join(', ')}: identity-based storage, which only Azure and Core Tools can use; ` +
        'npm start needs a connection string in AzureWebJobsStorage, or no storage setting at all for its embedded Azurite',
    );
  }
  return undefined;
}

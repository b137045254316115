import { describe, expect, it } from 'vitest';
import { configuredStorageOf } from '../../tools/start-storage';

describe("npm start's storage (tools/start-storage.ts)", () => {
  it('uses a connection string when there is one, else an embedded Azurite', () => {
    expect(configuredStorageOf({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' })).toBe(
      'UseDevelopmentStorage=true',
    );
    expect(configuredStorageOf({})).toBeUndefined();
    expect(configuredStorageOf({ AzureWebJobsStorage__accountName: '' })).toBeUndefined();
  });

  it('refuses identity-based settings alone, naming them, before anything starts', () => {
    expect(() =>
      configuredStorageOf({
        AzureWebJobsStorage__credential: 'managedidentity',
        AzureWebJobsStorage__accountName: 'st',
      }),
    ).toThrow(
      'Connection "AzureWebJobsStorage" is identity-based (AzureWebJobsStorage__accountName, AzureWebJobsStorage__credential); the local host needs a connection string in "AzureWebJobsStorage"',
    );
  });
});

import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseSettings } from '../../shared/config';
import { identityCredential, storageTargetOf } from '../../shared/storage/clients';

const AZURITE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1';
const CLIENT_ID = '6f1c0c7e-0d3a-4d6e-9a55-3b2f1e0d9c8b';

function target(env: Record<string, string>) {
  return storageTargetOf(parseSettings(env));
}

function configError(env: Record<string, string>): string {
  try {
    parseSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('storage settings → target', () => {
  it('a connection string is used as is; http endpoints allow insecure connections', () => {
    expect(target({ AzureWebJobsStorage: AZURITE })).toEqual({
      kind: 'connectionString',
      connectionString: AZURITE,
      allowInsecureConnection: true,
    });
    expect(target({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' })).toMatchObject({
      allowInsecureConnection: true,
    });
    const azure =
      'DefaultEndpointsProtocol=https;AccountName=st1;AccountKey=a2V5;EndpointSuffix=core.windows.net';
    expect(target({ AzureWebJobsStorage: azure })).toMatchObject({ allowInsecureConnection: false });
  });

  it('accountName alone: the public endpoints and the default credential chain (system-assigned in Azure)', () => {
    expect(target({ AzureWebJobsStorage__accountName: 'striskloop' })).toEqual({
      kind: 'identity',
      tableUrl: 'https://striskloop.table.core.windows.net',
      queueUrl: 'https://striskloop.queue.core.windows.net',
      credential: { kind: 'default' },
    });
  });

  it('user-assigned identity with service URIs (what infra/ sets)', () => {
    expect(
      target({
        AzureWebJobsStorage__credential: 'managedidentity',
        AzureWebJobsStorage__clientId: CLIENT_ID,
        AzureWebJobsStorage__tableServiceUri: 'https://striskloop.table.core.windows.net/',
        AzureWebJobsStorage__queueServiceUri: 'https://striskloop.queue.core.windows.net/',
        AzureWebJobsStorage__blobServiceUri: 'https://striskloop.blob.core.windows.net/',
      }),
    ).toEqual({
      kind: 'identity',
      tableUrl: 'https://striskloop.table.core.windows.net',
      queueUrl: 'https://striskloop.queue.core.windows.net',
      credential: { kind: 'managedIdentity', clientId: CLIENT_ID },
    });
  });

  it('system-assigned managed identity: credential without clientId; a service URI overrides the account default', () => {
    expect(
      target({
        AzureWebJobsStorage__accountName: 'striskloop',
        AzureWebJobsStorage__credential: 'ManagedIdentity',
        AzureWebJobsStorage__tableServiceUri: 'https://tables.example.net/striskloop',
      }),
    ).toEqual({
      kind: 'identity',
      tableUrl: 'https://tables.example.net/striskloop',
      queueUrl: 'https://striskloop.queue.core.windows.net',
      credential: { kind: 'managedIdentity' },
    });
  });

  it('identityCredential: ManagedIdentityCredential for managedidentity, DefaultAzureCredential otherwise', () => {
    expect(identityCredential({ kind: 'managedIdentity', clientId: CLIENT_ID })).toBeInstanceOf(
      ManagedIdentityCredential,
    );
    expect(identityCredential({ kind: 'managedIdentity' })).toBeInstanceOf(ManagedIdentityCredential);
    expect(identityCredential({ kind: 'default' })).toBeInstanceOf(DefaultAzureCredential);
  });
});

describe('storage settings that are refused at startup, naming the setting', () => {
  it('nothing set', () => {
    expect(configError({})).toMatch(/AzureWebJobsStorage: must be set/);
  });

  it('a connection string and identity settings together (which one would win is a trap)', () => {
    expect(
      configError({ AzureWebJobsStorage: AZURITE, AzureWebJobsStorage__accountName: 'striskloop' }),
    ).toMatch(/AzureWebJobsStorage: is a connection string, but AzureWebJobsStorage__accountName/);
  });

  it('service URIs without an account name need both the table and the queue URI', () => {
    expect(
      configError({
        AzureWebJobsStorage__credential: 'managedidentity',
        AzureWebJobsStorage__tableServiceUri: 'https://striskloop.table.core.windows.net',
      }),
    ).toMatch(
      /AzureWebJobsStorage__queueServiceUri: must be set when AzureWebJobsStorage__accountName is not/,
    );
  });

  it('a clientId without __credential=managedidentity', () => {
    expect(
      configError({
        AzureWebJobsStorage__accountName: 'striskloop',
        AzureWebJobsStorage__clientId: CLIENT_ID,
      }),
    ).toMatch(
      /AzureWebJobsStorage__clientId: is only used with AzureWebJobsStorage__credential=managedidentity/,
    );
  });

  it('an unknown credential type, and plain-http service URIs (bearer tokens need TLS)', () => {
    expect(
      configError({
        AzureWebJobsStorage__accountName: 'striskloop',
        AzureWebJobsStorage__credential: 'secret',
      }),
    ).toMatch(/AzureWebJobsStorage__credential/);
    expect(
      configError({
        AzureWebJobsStorage__tableServiceUri: 'http://127.0.0.1:10002/devstoreaccount1',
        AzureWebJobsStorage__queueServiceUri: 'https://striskloop.queue.core.windows.net',
      }),
    ).toMatch(/AzureWebJobsStorage__tableServiceUri/);
  });
});

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Identity-based storage against a real Azurite that demands bearer tokens: Azurite checks
 * OAuth tokens only over HTTPS (`--oauth basic` with a certificate), so the test makes a
 * throw-away self-signed certificate with openssl, and runs the app's client code in a child
 * process that trusts it (test/fixtures/identity-storage-probe.ts). The only stand-in is the
 * TokenCredential; what reaches storage is real.
 */

const PROBE = path.resolve(__dirname, '../fixtures/identity-storage-probe.ts');
const CLIENT_ID = '6f1c0c7e-0d3a-4d6e-9a55-3b2f1e0d9c8b';

let dir: string;
let azurite: ChildProcess;
let ports: { queue: number; table: number };

function makeCertificate(into: string): { cert: string; key: string } {
  const cert = path.join(into, 'cert.pem');
  const key = path.join(into, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

function startHttpsAzurite(cert: string, key: string): Promise<{ queue: number; table: number }> {
  const bin = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
  azurite = spawn(
    process.execPath,
    [
      bin,
      '--silent',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--loose',
      '--inMemoryPersistence',
      '--blobHost',
      '127.0.0.1',
      '--queueHost',
      '127.0.0.1',
      '--tableHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--queuePort',
      '0',
      '--tablePort',
      '0',
      '--oauth',
      'basic',
      '--cert',
      cert,
      '--key',
      key,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`Azurite did not start:\n${output}`)), 30_000);
    azurite.once('exit', (code) => reject(new Error(`Azurite exited with ${code}:\n${output}`)));
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const found = Object.fromEntries(
        [
          ...output.matchAll(
            /Azurite (Queue|Table) service is successfully listening at https:\/\/[^:]+:(\d+)/g,
          ),
        ].map((m) => [m[1]!.toLowerCase(), Number(m[2])]),
      );
      if (found.queue && found.table) {
        clearTimeout(timer);
        resolve({ queue: found.queue, table: found.table });
      }
    };
    azurite.stdout!.on('data', onData);
    azurite.stderr!.on('data', onData);
  });
}

interface ProbeResult {
  target: unknown;
  requested: { credential: unknown; scopes: string[] }[];
  tableRequests?: number;
  entityValue?: string;
  message?: string;
  error?: { statusCode?: number; message?: string };
}

function runProbe(env: Record<string, string>): ProbeResult {
  const storageEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('AzureWebJobsStorage')),
  );
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', PROBE], {
    cwd: path.resolve(__dirname, '../..'),
    encoding: 'utf8',
    env: { ...storageEnv, NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem'), ...env },
    timeout: 60_000,
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ProbeResult;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskloop-identity-'));
  const { cert, key } = makeCertificate(dir);
  ports = await startHttpsAzurite(cert, key);
});

afterAll(async () => {
  if (azurite && azurite.exitCode === null && azurite.signalCode === null) {
    const exited = new Promise((resolve) => azurite.once('exit', resolve));
    azurite.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('identity-based storage (user-assigned managed identity + service URIs, as infra/ configures it)', () => {
  const identityEnv = (): Record<string, string> => ({
    AzureWebJobsStorage__credential: 'managedidentity',
    AzureWebJobsStorage__clientId: CLIENT_ID,
    AzureWebJobsStorage__tableServiceUri: `https://127.0.0.1:${ports.table}/devstoreaccount1`,
    AzureWebJobsStorage__queueServiceUri: `https://127.0.0.1:${ports.queue}/devstoreaccount1`,
  });

  it('tables and queues work with bearer tokens for the storage scope, and round trips are still counted', () => {
    const result = runProbe(identityEnv());
    expect(result.error).toBeUndefined();
    expect(result.target).toEqual({
      kind: 'identity',
      tableUrl: `https://127.0.0.1:${ports.table}/devstoreaccount1`,
      queueUrl: `https://127.0.0.1:${ports.queue}/devstoreaccount1`,
      credential: { kind: 'managedIdentity', clientId: CLIENT_ID },
    });
    expect(result.entityValue).toBe('written with a bearer token');
    expect(result.message).toBe('{"probe":true}');
    // createTable, upsert, get: every table request went through the counting policy.
    expect(result.tableRequests).toBeGreaterThanOrEqual(3);
    expect(result.requested.length).toBeGreaterThan(0);
    for (const request of result.requested) {
      expect(request.credential).toEqual({ kind: 'managedIdentity', clientId: CLIENT_ID });
      expect(request.scopes).toEqual(['https://storage.azure.com/.default']);
    }
  });

  it('Azurite really checks the token: one for another audience is refused with 403', () => {
    const result = runProbe({ ...identityEnv(), PROBE_TOKEN_AUDIENCE: 'https://vault.azure.net' });
    expect(result.error?.statusCode).toBe(403);
    expect(result.requested.length).toBeGreaterThan(0);
  });
});

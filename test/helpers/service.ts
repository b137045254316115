import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mintDevToken } from '../../shared/auth';
import { DirectoryRole } from '../../shared/auth/roles';
import { resetConfigForTests } from '../../shared/config';
import type { SeedFile } from '../../shared/domain/seed-file';
import { startAzurite, type AzuriteInstance, type AzuriteOptions } from '../../tools/azurite';
import { spawnLocalHost, type SpawnedLocalHost } from '../../tools/local-host/spawn';

/**
 * The service as an integration test sees it: a real Azurite (in memory, random ports,
 * telemetry off) and the local host serving the built app (dist/) as a child process,
 * in dev auth mode with a throw-away signing key. The test process itself points at the
 * same storage, so it can seed tenants through the same code paths as `npm run seed`.
 */
export interface TestService {
  readonly base: string;
  readonly url: string;
  readonly azurite: AzuriteInstance;
  readonly host: SpawnedLocalHost;
  readonly keyFile: string;
  token(options: TokenOptions): Promise<string>;
  seed(seed: SeedFile): Promise<void>;
  /** fetch against `base` + path with a bearer token. */
  call(
    token: string | undefined,
    method: string,
    pathAndQuery: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
  stop(): Promise<void>;
}

export interface TokenOptions {
  tenantId: string;
  objectId?: string;
  wids?: string[];
  roles?: string[];
  minutes?: number;
}

export const AUDIENCE = 'api://riskloop-tests';
/** Midnight on 29 February: the next is 2028-02-29. */
export const NEVER_DURING_TESTS = '0 0 0 29 2 *';
export const roles = DirectoryRole;

export async function startService(
  env: Record<string, string> = {},
  /** Runs against the storage before the host starts (e.g. seeding, or a timer's schedule status). */
  beforeHost?: (connectionString: string) => Promise<void>,
  /** On-disk Azurite (`location`) on fixed ports, e.g. to stop and restart it mid-test. */
  azuriteOptions?: AzuriteOptions,
): Promise<TestService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskloop-test-'));
  const keyFile = path.join(dir, 'dev-signing-key.json');
  const azurite = await startAzurite(azuriteOptions);
  const serviceEnv: Record<string, string> = {
    AzureWebJobsStorage: azurite.connectionString,
    AUTH_MODE: 'dev',
    AUTH_AUDIENCE: AUDIENCE,
    DEV_SIGNING_KEY_FILE: keyFile,
    EMAIL_OUTBOX_DIR: path.join(dir, 'outbox'),
    // Never during a run: with the real Monday 09:00 a run at that minute would get a digest
    // in every tenant's partition and mailbox. digest.test sets its own schedule.
    WEEKLY_DIGEST_SCHEDULE: NEVER_DURING_TESTS,
    // The feedback recheck (60 s in production) within the tests' waits for empty queues.
    FEEDBACK_RECHECK_SECONDS: '2',
    ...env,
  };
  Object.assign(process.env, serviceEnv);
  resetConfigForTests();
  await beforeHost?.(azurite.connectionString);
  const host = await spawnLocalHost({ appDir: process.cwd(), env: serviceEnv });
  const base = `${host.url}/v1.0`;
  return {
    base,
    url: host.url,
    azurite,
    host,
    keyFile,
    token: (o) => mintDevToken({ keyFile, audience: AUDIENCE, ...o, tenantId: o.tenantId }),
    async seed(seed) {
      const { loadSeed } = await import('../../shared/engine/seed');
      await loadSeed(seed);
    },
    call(token, method, pathAndQuery, body, headers = {}) {
      return fetch(`${base}${pathAndQuery}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
    },
    async stop() {
      await host.stop();
      await azurite.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

/**
 * Waits until the risky user reads as applied (`isProcessing` false: the worker has done
 * what was queued for it) and, when given, at `riskLevel`.
 */
export async function settledUser(
  service: TestService,
  token: string,
  userId: string,
  riskLevel?: string,
  timeoutMs = 30_000,
): Promise<void> {
  await eventually(
    async () => {
      const res = await service.call(token, 'GET', `/identityProtection/riskyUsers/${userId}`);
      if (res.status !== 200) return undefined;
      const user = (await res.json()) as { isProcessing: boolean; riskLevel: string };
      return !user.isProcessing && (riskLevel === undefined || user.riskLevel === riskLevel)
        ? true
        : undefined;
    },
    timeoutMs,
    `user ${userId} applied${riskLevel ? ` at ${riskLevel}` : ''}`,
  );
}

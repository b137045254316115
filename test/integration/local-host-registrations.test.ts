import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../../tools/azurite';
import { startLocalHost, type LocalHost } from '../../tools/local-host/index';
import { nextOccurrence, parseCron } from '../../shared/domain/ncrontab';
import { ScheduleMonitor } from '../../tools/local-host/schedule-monitor';

/**
 * The host runs in this test's own process (vitest gives each integration file a fresh fork,
 * and one process hosts one app); the reference capture comes from a separate, clean process.
 */
const APP_DIR = path.resolve(__dirname, '../fixtures/local-host-app');
const SCHEDULE = '0 30 4 * * 1';

interface Binding {
  type: string;
  direction: string;
  route?: string;
  methods?: string[];
  queueName?: string;
  connection?: string;
  schedule?: string;
}
interface Captured {
  name: string;
  bindings: Record<string, Binding>;
  retryOptions?: unknown;
}

let azurite: AzuriteInstance;
let host: LocalHost;
const logs: string[] = [];

function normalize(registrations: readonly unknown[]): Captured[] {
  return (JSON.parse(JSON.stringify(registrations)) as Captured[]).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
}

function triggerOf(registration: Captured): Binding {
  return Object.values(registration.bindings).find((b) => b.direction === 'in' && /trigger$/i.test(b.type))!;
}

/** The function files, listed without the host's glob code: all of src/functions plus hooks.js. */
function appFiles(): string[] {
  const functionsDir = path.join(APP_DIR, 'src', 'functions');
  const files = fs
    .readdirSync(functionsDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((f) => path.join(functionsDir, f));
  return [...files.sort(), path.join(APP_DIR, 'src', 'hooks.js')];
}

function recordInCleanProcess(): Captured[] {
  const stdout = execFileSync(
    process.execPath,
    [path.join(APP_DIR, 'record-registrations.cjs'), ...appFiles()],
    {
      cwd: APP_DIR,
      encoding: 'utf8',
    },
  );
  return normalize(JSON.parse(stdout) as unknown[]);
}

async function callsOf(): Promise<{ fn: string; message?: unknown }[]> {
  return (await (await fetch(`${host.url}/v1.0/calls`)).json()) as { fn: string; message?: unknown }[];
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  azurite = await startAzurite();
  host = await startLocalHost({
    appDir: APP_DIR,
    env: {
      AzureWebJobsStorage: azurite.connectionString,
      FixtureStorage: azurite.connectionString,
      FIXTURE_SCHEDULE: SCHEDULE,
    },
    log: (line) => logs.push(line),
  });
});

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

describe('local host registrations', () => {
  it('are exactly what @azure/functions registers, as captured by a clean process', async () => {
    const reference = recordInCleanProcess();
    expect(reference.map((r) => r.name)).toContain('items');
    expect(normalize(host.registrations)).toEqual(reference);

    const listed = (await (await fetch(`${host.url}/admin/functions`)).json()) as unknown[];
    expect(normalize(listed)).toEqual(reference);

    const kinds = Object.fromEntries(reference.map((r) => [r.name, triggerOf(r).type]));
    expect(kinds).toMatchObject({ items: 'httpTrigger', 'work-queue': 'queueTrigger', tick: 'timerTrigger' });
    expect(triggerOf(reference.find((r) => r.name === 'work-queue')!)).toMatchObject({
      queueName: 'fixture-work',
      connection: 'AzureWebJobsStorage',
    });
    expect(triggerOf(reference.find((r) => r.name === 'tick')!).schedule).toBe('%FIXTURE_SCHEDULE%');
  });

  it('routes every HTTP registration with each of its methods, and with no other method', async () => {
    for (const registration of normalize(host.registrations)) {
      const trigger = triggerOf(registration);
      if (trigger.type !== 'httpTrigger') continue;
      const route = (trigger.route ?? registration.name).replace(
        /\{([^}:?=]+)(:[^}?=]*)?\??\}/g,
        (_m, _n, c?: string) => (c?.includes('guid') ? randomUUID() : 'abc'),
      );
      for (const method of trigger.methods ?? ['GET', 'POST']) {
        const response = await fetch(`${host.url}/v1.0/${route}`, { method });
        expect(response.status, `${method} ${route}`).not.toBe(404);
        if (response.headers.get('content-type')?.includes('json') && response.status === 200) {
          const body = (await response.json()) as { fn?: string };
          if (body.fn !== undefined) expect(body.fn).toBe(registration.name);
        }
      }
      // Another function may own the same path for that method (GET things/dismiss), never this one.
      const unlisted = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].find(
        (m) => !(trigger.methods ?? []).includes(m),
      )!;
      const other = await fetch(`${host.url}/v1.0/${route}`, { method: unlisted });
      if (other.status !== 404) {
        // Only another (echoing) function may answer it, and it names itself.
        const text = await other.text();
        const answeredBy = (JSON.parse(text) as { fn?: unknown }).fn;
        expect(answeredBy, `${unlisted} ${route} → ${other.status} ${text.slice(0, 200)}`).toEqual(
          expect.any(String),
        );
        expect(answeredBy).not.toBe(registration.name);
      }
    }
  });

  it('polls the queue of every queue registration through the connection it names', async () => {
    for (const registration of normalize(host.registrations)) {
      const trigger = triggerOf(registration);
      if (trigger.type !== 'queueTrigger') continue;
      const connectionString = process.env[trigger.connection ?? 'AzureWebJobsStorage']!;
      const probe = randomUUID();
      await new QueueClient(connectionString, trigger.queueName!).sendMessage(
        Buffer.from(JSON.stringify({ probe })).toString('base64'),
      );
      const call = await waitFor(`a call for ${registration.name}`, async () =>
        (await callsOf()).find((c) => (c.message as { probe?: string } | undefined)?.probe === probe),
      );
      expect(call.fn).toBe(registration.name);
    }
  });

  it('schedules every timer registration from its resolved schedule', async () => {
    const monitor = await ScheduleMonitor.open(azurite.connectionString, 'local-host-fixture');
    for (const registration of normalize(host.registrations)) {
      if (triggerOf(registration).type !== 'timerTrigger') continue;
      const status = await monitor.getStatus(registration.name);
      const expected = nextOccurrence(parseCron(SCHEDULE), status!.lastUpdated);
      expect(status!.next.toISOString()).toBe(expected!.toISOString());
      expect(logs.some((line) => line.includes(`[${registration.name}] schedule "${SCHEDULE}"`))).toBe(true);
    }
  });
});

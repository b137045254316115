import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { odata, TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allTableNames } from '../../../shared/storage/keys';
import { startAzurite, type AzuriteInstance } from '../../../tools/azurite';
import { eventually, startService, type TestService } from '../../helpers/service';
import { SA, tenantId, tenantSeed, userId } from '../../helpers/tenants';
import { expectGraphError } from './support';

// Shared hosts on a busy 2-core machine: waits are bounded by eventually(), not by vitest's default.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/**
 * R-X6: Azurite (on disk) is stopped in the middle of a run of ingestion and feedback, and
 * restarted at the same address. Requests in the gap answer 503 with Retry-After (never
 * 500), the queued work resumes by itself, and every detection and action that was
 * accepted (202/204) is applied — none lost.
 */

const T = 121;
const USERS = [3, 4, 5, 6].map((n) => userId(T, n));
let service: TestService;
let location: string;
let restarted: AzuriteInstance | undefined;
let admin: string;
let ingester: string;

beforeAll(async () => {
  location = fs.mkdtempSync(path.join(os.tmpdir(), 'riskloop-azurite-'));
  service = await startService({}, undefined, { location });
  await service.seed(tenantSeed(T, 'p2', 8));
  admin = await service.token({ tenantId: tenantId(T), objectId: userId(T, 1), wids: [SA] });
  ingester = await service.token({ tenantId: tenantId(T), roles: ['IdentityRiskEvent.ReadWrite.All'] });
});

afterAll(async () => {
  await restarted?.stop();
  await service?.stop();
  fs.rmSync(location, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const at = (second: number): string => new Date(Date.UTC(2026, 10, 20, 6, 0, second)).toISOString();

interface Outcome {
  phase: 'before' | 'gap' | 'after';
  kind: 'detection' | 'action';
  status: number;
  /** The detection id, or the user an action named. */
  subject: string;
  route?: string;
  body: unknown;
  retryAfter: string | null;
}

describe('R-X6: storage stops and comes back during a run', () => {
  it('503 in the gap, work resumes, nothing accepted is lost', async () => {
    let phase: Outcome['phase'] = 'before';
    let running = true;
    const outcomes: Outcome[] = [];

    async function call(
      token: string,
      route: string,
      body: unknown,
    ): Promise<Omit<Outcome, 'phase' | 'kind' | 'subject' | 'route'>> {
      const res = await fetch(`${service.base}${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(120_000),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text ? (JSON.parse(text) as unknown) : undefined,
        retryAfter: res.headers.get('retry-after'),
      };
    }

    async function client(w: number): Promise<void> {
      const actions = ['confirmCompromised', 'dismiss', 'confirmSafe'];
      for (let i = 0; running; i += 1) {
        const started = phase;
        const user = USERS[(w + i) % USERS.length]!;
        if (i % 2 === 0) {
          const id = `sf-${w}-${i}`;
          const result = await call(ingester, '/riskloop/riskDetections', {
            value: [
              {
                id,
                userId: user,
                riskEventType: 'leakedCredentials',
                riskLevel: i % 3 === 0 ? 'high' : 'medium',
                detectionTimingType: 'offline',
                activity: 'user',
                activityDateTime: at(i % 60),
                detectedDateTime: at(i % 60),
              },
            ],
          });
          outcomes.push({ phase: started, kind: 'detection', subject: id, ...result });
        } else {
          const route = `/identityProtection/riskyUsers/${actions[(w + i) % actions.length]}`;
          const result = await call(admin, route, { userIds: [user] });
          outcomes.push({ phase: started, kind: 'action', subject: user, route, ...result });
        }
        await sleep(80);
      }
    }

    const clients = [0, 1, 2].map((w) => client(w));
    await sleep(3_000);
    phase = 'gap';
    await service.azurite.stop();
    const health = await fetch(`${service.base}/riskloop/health`, { signal: AbortSignal.timeout(120_000) });
    expect(health.status).toBe(503);
    // Calls that certainly begin with storage down. (The clients' own calls may all have got
    // past their table writes before the emulator went, and wait in the queue client's
    // retries until it is back.)
    const probes = await Promise.all([
      call(ingester, '/riskloop/riskDetections', {
        value: [
          {
            id: 'sf-probe',
            userId: USERS[0],
            riskEventType: 'leakedCredentials',
            riskLevel: 'high',
            detectionTimingType: 'offline',
            activity: 'user',
            activityDateTime: at(0),
            detectedDateTime: at(0),
          },
        ],
      }),
      call(admin, '/identityProtection/riskyUsers/dismiss', { userIds: [USERS[1]] }),
    ]);
    expect(probes.map((p) => p.status)).toEqual([503, 503]);
    outcomes.push(
      { phase: 'gap', kind: 'detection', subject: 'sf-probe', ...probes[0] },
      {
        phase: 'gap',
        kind: 'action',
        subject: USERS[1]!,
        route: '/identityProtection/riskyUsers/dismiss',
        ...probes[1],
      },
    );
    await sleep(12_000);
    // Meanwhile a port of the first instance may have become some connection's local port
    // (EADDRINUSE until it closes): try again rather than fail the test on the machine's luck.
    for (let attempt = 1; !restarted; attempt += 1) {
      try {
        restarted = await startAzurite({
          location,
          ports: {
            blob: service.azurite.blobPort,
            queue: service.azurite.queuePort,
            table: service.azurite.tablePort,
          },
        });
      } catch (error) {
        if (attempt === 5) throw error;
        await sleep(2_000);
      }
    }
    phase = 'after';
    await eventually(
      async () => {
        const res = await fetch(`${service.base}/riskloop/health`);
        return res.status === 200 ? true : undefined;
      },
      60_000,
      'health 200 after the restart',
    );
    await sleep(3_000);
    running = false;
    await Promise.all(clients);

    const tally = (p: Outcome['phase']) =>
      outcomes
        .filter((o) => o.phase === p)
        .reduce<Record<number, number>>((t, o) => ({ ...t, [o.status]: (t[o.status] ?? 0) + 1 }), {});
    console.log(
      `[storage-faults] before ${JSON.stringify(tally('before'))}, gap ${JSON.stringify(tally('gap'))}, after ${JSON.stringify(tally('after'))}`,
    );
    // Every answer is an acceptance or a 503 with Retry-After in Graph's shape; never a 500.
    const statuses = outcomes.map((o) => `${o.phase}:${o.status}`);
    expect(
      outcomes.filter((o) => ![202, 204, 503].includes(o.status)),
      JSON.stringify(statuses),
    ).toEqual([]);
    const unavailable = outcomes.filter((o) => o.status === 503);
    expect(unavailable.length, JSON.stringify(statuses)).toBeGreaterThan(0);
    for (const o of unavailable) {
      expect(o.retryAfter).toMatch(/^\d+$/);
      expectGraphError(o.body);
    }
    expect(outcomes.filter((o) => o.phase === 'before' && o.status !== 503).length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.phase === 'after' && o.status !== 503).length).toBeGreaterThan(0);

    // The queued work resumes by itself: every accepted detection ends stored, every accepted
    // action applied, every user settled. (Not "every queue empty": a message whose deletion
    // failed in the gap stays invisible until its lease ends and is then a harmless duplicate.)
    const connection = restarted.connectionString;
    const unapplied = async (): Promise<string[]> => {
      const rows = new Map<string, Record<string, unknown>>();
      // Every partition of the tenant, in every table: its own, its user partitions, its users' facts, its index (see keys.ts).
      for (const name of allTableNames()) {
        const table = TableClient.fromConnectionString(connection, name, {
          allowInsecureConnection: true,
        });
        for await (const row of table.listEntities<Record<string, unknown>>({
          queryOptions: {
            filter: odata`PartitionKey ge ${tenantId(T)} and PartitionKey lt ${`${tenantId(T)}}`}`,
          },
        })) {
          rows.set(String(row.rowKey), row);
        }
      }
      const lost: string[] = [];
      for (const o of outcomes.filter((x) => x.kind === 'detection' && x.status === 202)) {
        if (![...rows.keys()].some((k) => k.endsWith(`|d|${o.subject}`))) lost.push(`detection ${o.subject}`);
      }
      for (const user of USERS) {
        const accepted = outcomes.filter(
          (o) => o.kind === 'action' && o.subject === user && o.status === 204,
        );
        const stored = [...rows].filter(([key]) => key.startsWith(`u|${user}|a|`)).map(([, row]) => row);
        if (stored.length < accepted.length)
          lost.push(`${accepted.length - stored.length} action(s) of ${user}`);
        const pending = stored.filter((a) => typeof a.appliedAt !== 'string');
        if (pending.length > 0) lost.push(`${pending.length} unapplied action(s) of ${user}`);
        if (rows.get(`u|${user}`)?.isProcessing === true) lost.push(`${user} still processing`);
      }
      return lost;
    };
    await eventually(
      async () => {
        const lost = await unapplied();
        if (lost.length > 0) throw new Error(lost.join('; '));
        return true;
      },
      240_000,
      'every accepted detection and action to be applied',
    );
    const log = service.host.output();
    expect(log).not.toMatch(/unhandled error/);
  }, 300_000);
});

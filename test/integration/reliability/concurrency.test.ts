import { odata, TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually, startService, type TestService } from '../../helpers/service';
import { SA, tenantId, tenantSeed, userId } from '../../helpers/tenants';
import { send, waitUntilQueuesEmpty } from './support';
import { partitions, tableOf } from '../../../shared/storage/keys';

// Shared hosts on a busy 2-core machine: waits are bounded by eventually(), not by vitest's default.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/**
 * R-X4: parallel conflicting actions on one user and parallel ingestions for one user end
 * in the state the same requests would give one after the other: every accepted action is
 * applied (and audited), nothing is lost, nothing answers 5xx.
 */

const T = 71;
let service: TestService;
let admin: string;
let ingester: string;
let connectionString: string;

const at = (minute: number): string => new Date(Date.UTC(2026, 10, 20, 5, minute)).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  service = await startService();
  await service.seed(tenantSeed(T, 'p2', 20));
  admin = await service.token({ tenantId: tenantId(T), objectId: userId(T, 1), wids: [SA] });
  ingester = await service.token({ tenantId: tenantId(T), roles: ['IdentityRiskEvent.ReadWrite.All'] });
  connectionString = service.azurite.connectionString;
});

afterAll(async () => {
  await service?.stop();
});

function detection(id: string, user: string, level: 'low' | 'medium' | 'high', minute: number) {
  return {
    id,
    userId: user,
    riskEventType: 'leakedCredentials',
    riskLevel: level,
    detectionTimingType: 'offline',
    activity: 'user',
    activityDateTime: at(minute),
    detectedDateTime: at(minute),
  };
}

async function rowsOf(user: string, kind: 'a' | 'd' | 's'): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  const from = `u|${user}|${kind}|`;
  const to = `u|${user}|${kind}}`;
  // Actions are in the user's partition; detections and sign-ins in its facts partition.
  const partition = kind === 'a' ? partitions.users(tenantId(T), user) : partitions.facts(tenantId(T), user);
  const table = TableClient.fromConnectionString(connectionString, tableOf(partition), {
    allowInsecureConnection: true,
  });
  for await (const row of table.listEntities<Record<string, unknown>>({
    queryOptions: { filter: odata`PartitionKey eq ${partition} and RowKey ge ${from} and RowKey lt ${to}` },
  })) {
    rows.push(row);
  }
  return rows;
}

/** The host's log lines of errors the service answered with a 500. */
function unhandledErrors(): string[] {
  return service.host
    .output()
    .split('\n')
    .filter((line) => line.includes('unhandled error'));
}

interface RiskyUser {
  riskLevel: string;
  riskState: string;
  riskDetail: string;
  isProcessing: boolean;
}

async function settledUser(user: string): Promise<RiskyUser> {
  return eventually(
    async () => {
      const res = await send(service, admin, 'GET', `/identityProtection/riskyUsers/${user}`);
      const body = res.json as RiskyUser;
      return res.status === 200 && !body.isProcessing ? body : undefined;
    },
    60_000,
    `user ${user} settled`,
  );
}

/** What the last action leaves, applied after every earlier one (SPEC §4). */
const outcomeOf: Record<string, Omit<RiskyUser, 'isProcessing'>> = {
  confirmUserCompromised: {
    riskLevel: 'high',
    riskState: 'confirmedCompromised',
    riskDetail: 'adminConfirmedUserCompromised',
  },
  dismissUser: { riskLevel: 'none', riskState: 'dismissed', riskDetail: 'adminDismissedAllRiskForUser' },
  confirmUserSafe: { riskLevel: 'none', riskState: 'confirmedSafe', riskDetail: 'adminConfirmedAccountSafe' },
};
const routeOf: Record<string, string> = {
  confirmUserCompromised: 'confirmCompromised',
  dismissUser: 'dismiss',
  confirmUserSafe: 'confirmSafe',
};

describe('R-X4: concurrency on one user', () => {
  it('N parallel conflicting actions, interleaved with the worker’s rescores, all apply; the last one decides', async () => {
    const u = userId(T, 3);
    const ingest = await send(
      service,
      ingester,
      'POST',
      '/riskloop/riskDetections',
      JSON.stringify({ value: [detection('cc-1', u, 'medium', 1), detection('cc-2', u, 'high', 2)] }),
    );
    expect(ingest.status).toBe(202);
    await settledUser(u);

    const kinds = Object.keys(routeOf);
    const statuses: number[] = [];
    // Rounds of parallel requests, spread so that the worker rescores (and moves the
    // user's projection) while later requests of the same user are being accepted.
    for (let round = 0; round < 6; round += 1) {
      const batch = Array.from({ length: 6 }, (_, i) => kinds[(round + i) % kinds.length]!);
      const answers = await Promise.all(
        batch.map(async (kind, i) => {
          await sleep(i * 60);
          return send(
            service,
            admin,
            'POST',
            `/identityProtection/riskyUsers/${routeOf[kind]}`,
            JSON.stringify({ userIds: [u] }),
          );
        }),
      );
      statuses.push(...answers.map((a) => a.status));
      await sleep(150);
    }
    expect(
      statuses.filter((s) => s !== 204),
      `${JSON.stringify(statuses)}\n${unhandledErrors().join('\n')}`,
    ).toEqual([]);

    await waitUntilQueuesEmpty(service);
    const final = await settledUser(u);
    const actions = await rowsOf(u, 'a');
    expect(actions).toHaveLength(statuses.length);
    expect(actions.filter((a) => typeof a.appliedAt !== 'string')).toEqual([]);
    // Replay order: time accepted, then id (shared/domain/scoring.ts).
    const last = [...actions].sort((x, y) =>
      String(x.acceptedAt) !== String(y.acceptedAt)
        ? String(x.acceptedAt) < String(y.acceptedAt)
          ? -1
          : 1
        : String(x.id) < String(y.id)
          ? -1
          : 1,
    )[actions.length - 1]!;
    expect(final).toMatchObject(outcomeOf[String(last.kind)]!);

    // Every accepted action is in the audit history (R-S7).
    const history = await send(service, admin, 'GET', `/identityProtection/riskyUsers/${u}/history?$top=500`);
    const items = (history.json as { value: Array<{ initiatedBy: string }> }).value;
    expect(items.filter((h) => h.initiatedBy === userId(T, 1))).toHaveLength(statuses.length);

    // The three copies of the projection agree, and no copy is left behind under an old time.
    const ordered = await send(
      service,
      admin,
      'GET',
      '/identityProtection/riskyUsers?$orderby=riskLastUpdatedDateTime desc&$top=500',
    );
    const mine = (
      ordered.json as { value: Array<{ id: string; riskState: string; isProcessing: boolean }> }
    ).value.filter((x) => x.id === u);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ riskState: final.riskState, isProcessing: false });
  });

  it('N parallel ingestions for one user, with repeated ids across calls, store each detection once', async () => {
    const u = userId(T, 4);
    const calls = Array.from({ length: 12 }, (_, c) =>
      // Call c repeats the ids of call c-1: conflicts between concurrent batches.
      Array.from({ length: 6 }, (_, i) => {
        const n = c * 3 + i;
        return detection(`pi-${n}`, u, n === 20 ? 'high' : 'low', n);
      }),
    );
    const answers = await Promise.all(
      calls.map((value) =>
        send(service, ingester, 'POST', '/riskloop/riskDetections', JSON.stringify({ value })),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
    const unique = new Set(calls.flat().map((d) => d.id));
    const counted = answers.reduce(
      (sum, a) => {
        const body = a.json as { accepted: number; duplicates: number };
        return { accepted: sum.accepted + body.accepted, duplicates: sum.duplicates + body.duplicates };
      },
      { accepted: 0, duplicates: 0 },
    );
    expect(counted.accepted).toBe(unique.size);
    expect(counted.accepted + counted.duplicates).toBe(calls.flat().length);

    await waitUntilQueuesEmpty(service);
    const user = await settledUser(u);
    expect(user).toMatchObject({ riskLevel: 'high', riskState: 'atRisk' });
    const detections = await rowsOf(u, 'd');
    expect(detections.map((d) => d.id).sort()).toEqual([...unique].sort());
    expect(detections.filter((d) => d.riskState !== 'atRisk')).toEqual([]);
  });

  it('parallel PATCHes of different settings fields keep every field (no lost update)', async () => {
    const customRecipients = ['soc@t71.example'];
    const disabledRecipientIds = [userId(T, 2)];
    const answers = await Promise.all([
      send(
        service,
        admin,
        'PATCH',
        '/riskloop/settings/usersAtRiskAlert',
        JSON.stringify({ minRiskLevel: 'low' }),
      ),
      send(
        service,
        admin,
        'PATCH',
        '/riskloop/settings/usersAtRiskAlert',
        JSON.stringify({ customRecipients }),
      ),
      send(
        service,
        admin,
        'PATCH',
        '/riskloop/settings/usersAtRiskAlert',
        JSON.stringify({ disabledRecipientIds }),
      ),
      send(service, admin, 'PATCH', '/riskloop/settings/weeklyDigest', JSON.stringify({ enabled: false })),
      send(service, admin, 'PATCH', '/riskloop/settings/weeklyDigest', JSON.stringify({ customRecipients })),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const alert = await send(service, admin, 'GET', '/riskloop/settings/usersAtRiskAlert');
    expect(alert.json).toEqual({ minRiskLevel: 'low', customRecipients, disabledRecipientIds });
    const digest = await send(service, admin, 'GET', '/riskloop/settings/weeklyDigest');
    expect(digest.json).toEqual({ enabled: false, recipientIds: null, customRecipients });
  });
});

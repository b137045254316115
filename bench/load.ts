/**
 * `npm run load`: a bounded load test on loopback. A real Azurite and the local host serve
 * the built app (`npm run load` builds it first); autocannon sends a mix of reads (lists with
 * filters, single users, history, detections, sign-ins) and feedback actions on one tenant.
 * It reports throughput and latency percentiles, then waits for the worker to apply every
 * accepted action and checks the final state: no 5xx, every 204 action stored and applied,
 * audited once, nothing stored that was not sent, and no user left isProcessing. Exits 1 if any check fails.
 *
 * Bounded: LOAD_SECONDS (default 20) or LOAD_REQUESTS (default 20,000), whichever comes
 * first, LOAD_CONNECTIONS (default 10). Not part of `npm test`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { odata, TableClient } from '@azure/data-tables';
import autocannon from 'autocannon';
import { startAzurite } from '../tools/azurite';
import { spawnLocalHost } from '../tools/local-host/spawn';
import { partitions, tableOf } from '../shared/storage/keys';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 20);
const REQUESTS = Number(process.env.LOAD_REQUESTS ?? 20_000);
const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 10);
const USERS = 40;
const AUDIENCE = 'api://riskloop-load';
const SA = '194ae4cb-b126-40b2-bd5b-6091b380977d';
const TENANT = '00000777-0000-4000-8000-0000000104d0';
const userIdOf = (n: number): string =>
  `00000777-${String(n).padStart(4, '0')}-4222-8333-${String(n).padStart(12, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'riskloop-load-'));
  const azurite = await startAzurite();
  const env: Record<string, string> = {
    AzureWebJobsStorage: azurite.connectionString,
    AUTH_MODE: 'dev',
    AUTH_AUDIENCE: AUDIENCE,
    DEV_SIGNING_KEY_FILE: path.join(work, 'key.json'),
    EMAIL_OUTBOX_DIR: path.join(work, 'outbox'),
    // Referenced by the weekly-digest timer's %…% schedule; weekly, so it never fires during the run.
    WEEKLY_DIGEST_SCHEDULE: '0 0 9 * * 1',
  };
  Object.assign(process.env, env);
  const { mintDevToken } = await import('../shared/auth');
  const { loadSeed } = await import('../shared/engine/seed');
  const host = await spawnLocalHost({ appDir: process.cwd(), env });
  let failed = false;
  try {
    const at = (minute: number): string => new Date(Date.UTC(2026, 10, 20, 5, minute)).toISOString();
    await loadSeed({
      tenant: { id: TENANT, displayName: 'Load tenant', license: 'p2' },
      users: Array.from({ length: USERS }, (_, i) => ({
        id: userIdOf(i + 1),
        userPrincipalName: `user${i + 1}@load.example`,
        displayName: `User ${i + 1}`,
        mail: `user${i + 1}@load.example`,
        otherMails: [],
      })),
      roleAssignments: [],
      signIns: Array.from({ length: USERS }, (_, i) => ({
        id: `load-signin-${i + 1}`,
        userId: userIdOf(i + 1),
        userPrincipalName: `user${i + 1}@load.example`,
        createdDateTime: at(i % 60),
        riskDetections: [
          { riskEventType: 'anonymizedIPAddress', riskLevel: i % 2 === 0 ? 'high' : 'medium' },
        ],
      })),
      riskDetections: Array.from({ length: USERS }, (_, i) => ({
        id: `load-det-${i + 1}`,
        userId: userIdOf(i + 1),
        riskEventType: 'leakedCredentials',
        riskLevel: 'low' as const,
        detectionTimingType: 'offline' as const,
        activity: 'user' as const,
        activityDateTime: at(i % 60),
        detectedDateTime: at(i % 60),
      })),
    });
    const adminOid = userIdOf(1);
    const token = await mintDevToken({
      keyFile: env.DEV_SIGNING_KEY_FILE!,
      audience: AUDIENCE,
      tenantId: TENANT,
      objectId: adminOid,
      wids: [SA],
      minutes: 120,
    });
    await sleep(3_000); // let the seed's rescores settle before measuring

    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const pick = (): string => userIdOf(1 + Math.floor(Math.random() * USERS));
    const reads = [
      '/v1.0/identityProtection/riskyUsers?$top=50',
      "/v1.0/identityProtection/riskyUsers?$filter=riskLevel%20eq%20'high'&$select=id,riskLevel,riskState",
      '/v1.0/identityProtection/riskyUsers?$orderby=riskLastUpdatedDateTime%20desc&$top=10',
      '/v1.0/identityProtection/riskDetections?$top=50',
      "/v1.0/auditLogs/signIns?$filter=riskState%20eq%20'atRisk'",
    ];
    const actions = ['confirmCompromised', 'dismiss', 'confirmSafe'];
    // Requests still in flight when the run stops are sent but never answered to us: the
    // store must hold at least every accepted action and at most every sent one.
    const sent = new Map<string, number>();
    const accepted = new Map<string, number>();
    const unexpected = new Map<string, number>();
    const count = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);
    type Context = { user?: string; kind?: string };
    const requests: autocannon.Request[] = [
      ...reads.map((p) => ({
        method: 'GET' as const,
        path: p,
        headers,
        onResponse: (status: number) => {
          if (status !== 200) count(unexpected, `GET ${p.split('?')[0]} → ${status}`);
        },
      })),
      {
        method: 'GET',
        headers,
        setupRequest: (req) => ({ ...req, path: `/v1.0/identityProtection/riskyUsers/${pick()}/history` }),
        onResponse: (status) => {
          if (status !== 200) count(unexpected, `GET history → ${status}`);
        },
      },
      ...[0, 1].map((): autocannon.Request => ({
        method: 'POST',
        headers,
        setupRequest: (req, context) => {
          const c = context as Context;
          c.user = pick();
          c.kind = actions[Math.floor(Math.random() * actions.length)]!;
          count(sent, c.user);
          return {
            ...req,
            path: `/v1.0/identityProtection/riskyUsers/${c.kind}`,
            body: JSON.stringify({ userIds: [c.user] }),
          };
        },
        onResponse: (status, _body, context) => {
          const c = context as Context;
          if (status === 204) count(accepted, c.user!);
          else count(unexpected, `POST ${c.kind} → ${status}`);
        },
      })),
    ];

    log(
      `load: ${CONNECTIONS} connections, at most ${SECONDS} s or ${REQUESTS} requests, ${requests.length - 2}:2 reads:actions`,
    );
    const result = await autocannon({
      url: host.url,
      connections: CONNECTIONS,
      duration: SECONDS,
      maxOverallRequests: REQUESTS,
      timeout: 30,
      requests,
    });
    const fivexx = result['5xx'];
    const actionsAccepted = [...accepted.values()].reduce((a, b) => a + b, 0);

    // Consistency: every accepted action stored, applied and audited once; nobody left processing.
    // Users, actions and history live in the tenant's 16 user partitions, each in its own
    // table (shared/storage/keys.ts): a query reads them all.
    async function* userRows<T extends object>(filter: string): AsyncGenerator<T & Record<string, unknown>> {
      for (const partitionKey of partitions.userBuckets(TENANT)) {
        const table = TableClient.fromConnectionString(azurite.connectionString, tableOf(partitionKey), {
          allowInsecureConnection: true,
        });
        yield* table.listEntities<T>({
          queryOptions: { filter: `${odata`PartitionKey eq ${partitionKey}`} and ${filter}` },
        }) as AsyncIterable<T & Record<string, unknown>>;
      }
    }
    const problems: string[] = [];
    const settleStarted = Date.now();
    let pending = Infinity;
    while (pending > 0 && Date.now() - settleStarted < 180_000) {
      pending = 0;
      for await (const row of userRows(odata`rowType eq ${'user'} and isProcessing eq ${true}`)) {
        void row;
        pending += 1;
      }
      if (pending > 0) await sleep(500);
    }
    const settleSeconds = (Date.now() - settleStarted) / 1000;
    if (pending > 0) problems.push(`${pending} user(s) still isProcessing after 180 s`);
    const stored = new Map<string, { total: number; applied: number }>();
    const audited = new Map<string, number>();
    for await (const row of userRows(odata`(rowType eq ${'action'} or rowType eq ${'history'})`)) {
      const user = /^u\|([^|]+)\|/.exec(String(row.rowKey))?.[1] ?? '';
      if (row.rowType === 'action') {
        const s = stored.get(user) ?? { total: 0, applied: 0 };
        stored.set(user, {
          total: s.total + 1,
          applied: s.applied + (typeof row.appliedAt === 'string' ? 1 : 0),
        });
      } else if (row.initiatedBy === adminOid) {
        audited.set(user, (audited.get(user) ?? 0) + 1);
      }
    }
    for (const [user, n] of sent) {
      const ok = accepted.get(user) ?? 0;
      const s = stored.get(user) ?? { total: 0, applied: 0 };
      if (s.total < ok || s.total > n) problems.push(`${user}: ${ok} accepted, ${n} sent, ${s.total} stored`);
      if (s.applied !== s.total) problems.push(`${user}: ${s.total - s.applied} actions not applied`);
      if ((audited.get(user) ?? 0) !== s.total) {
        problems.push(`${user}: ${s.total} actions stored, ${audited.get(user) ?? 0} audited`);
      }
    }

    const summary = {
      requests: result.requests.total,
      durationSeconds: result.duration,
      throughputPerSecond: Math.round(result.requests.average),
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
      },
      status: {
        '2xx': result['2xx'],
        '4xx': result['4xx'],
        '5xx': fivexx,
        errors: result.errors,
        timeouts: result.timeouts,
      },
      actionsAccepted,
      unexpected: Object.fromEntries(unexpected),
      settledAfterSeconds: settleSeconds,
      consistent: problems.length === 0,
      problems: problems.slice(0, 20),
    };
    console.log(JSON.stringify(summary, null, 2));
    failed =
      fivexx > 0 || result.errors > 0 || result.timeouts > 0 || unexpected.size > 0 || problems.length > 0;
  } finally {
    await host.stop();
    await azurite.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

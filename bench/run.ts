/**
 * `npm run bench`: the performance figures of issue 7, measured on this machine against a
 * real Azurite and the local host, each next to the floor it is compared with. Prints a
 * table and writes bench/results.json. Nothing here is asserted: a missed target is
 * reported, never a failure (the bench exits 0 unless it could not measure).
 *
 * Storage round trips are counted with a pipeline policy (tables) and our queue wrapper:
 * those counts are stable on a noisy machine, unlike times.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { odata, TableClient, type TransactionAction } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { startAzurite } from '../tools/azurite';
import { spawnLocalHost } from '../tools/local-host/spawn';
import { startSendGridCapture } from '../test/helpers/sendgrid-capture';
import { tableNames, tableOf } from '../shared/storage/keys';

interface Figure {
  name: string;
  value: number;
  unit: string;
  target: string;
  /** The bare-storage floor this figure is compared with, when there is one. */
  floor?: { value: number; unit: string; what: string };
  ratio?: number;
  met: boolean;
  note?: string;
}

const figures: Figure[] = [];
let machine = '';

/** Each figure is printed and saved as soon as it is measured, so a long run still leaves its results. */
function record(figure: Figure): void {
  figures.push(figure);
  const floor = figure.floor
    ? `\n    floor: ${figure.floor.value} ${figure.floor.unit} (${figure.floor.what}); ratio ${(figure.ratio ?? 0).toFixed(2)}`
    : '';
  console.log(
    `[${figure.met ? 'met' : 'MISSED'}] ${figure.name}\n    ${figure.value} ${figure.unit}   target ${figure.target}${floor}${figure.note ? `\n    ${figure.note}` : ''}`,
  );
  fs.writeFileSync(
    path.join('bench', 'results.json'),
    `${JSON.stringify({ date: new Date().toISOString(), machine, figures }, null, 2)}\n`,
  );
}
const GA = '62e90394-69f5-4237-9190-012177145e10';
const SR = '5d6b6bb7-de71-4623-b4af-96380a352509';
const AUDIENCE = 'api://riskloop-bench';
const SCHEDULE = '0 0 9 * * 1';

const tenantIdOf = (n: number): string => `${String(n).padStart(8, '0')}-0000-4000-8000-0000000be9c4`;
const userIdOf = (t: number, n: number): string =>
  `${String(t).padStart(3, '0')}${String(n).padStart(5, '0')}-1111-4222-8333-${String(n).padStart(12, '0')}`;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function rssOf(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux builds). */
const CLOCK_TICKS = 100;

/** CPU seconds a process has used so far (user + system), from /proc. */
function cpuSecondsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * Starts measuring how busy processes are; the returned function gives each one's CPU time
 * over the wall time since, in percent of one core. Azurite runs on one thread, so near 100 %
 * it is the bottleneck of whatever runs against it.
 */
function cpuShare(pids: readonly number[]): () => number[] {
  const wall = performance.now();
  const cpu = pids.map(cpuSecondsOf);
  return () => {
    const seconds = (performance.now() - wall) / 1000;
    return pids.map((pid, i) => Math.round((100 * (cpuSecondsOf(pid) - cpu[i]!)) / seconds));
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** p50 of a bare transaction of `rows` upserts of scratch rows (sorting after the service's) in `partitionKey`, then removed. */
async function bareTransactionMs(
  connectionString: string,
  partitionKey: string,
  rows: number,
): Promise<number> {
  const table = TableClient.fromConnectionString(connectionString, tableOf(partitionKey), {
    allowInsecureConnection: true,
  });
  const times: number[] = [];
  const rowKeys = Array.from({ length: rows }, (_, j) => `~tx|${String(j).padStart(3, '0')}`);
  for (let i = 0; i < 10; i += 1) {
    const start = performance.now();
    await table.submitTransaction(
      rowKeys.map((rowKey): TransactionAction => ['upsert', { partitionKey, rowKey, round: i }, 'Replace']),
    );
    times.push(performance.now() - start);
  }
  await table.submitTransaction(
    rowKeys.map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]),
  );
  return percentile(times, 50);
}

/**
 * The floor of "feedback action → applied": the least storage work one action needs, done
 * with bare clients in the very partition the service uses (so at its size): accept (one
 * 2-row transaction), hand over (queue send, receive, delete), rescore (one range read and
 * one 2-row transaction) and the client's read-back (one point read). No polling wait.
 * Measured twice: 20 actions one at a time, and 40 actions 4 at a time as the figure runs
 * them (each its own rows and message), so the ratio compares the same load on the same
 * emulator. Scratch rows sort after every row of the service (`~`) and are deleted.
 */
async function feedbackFloor(
  connectionString: string,
  partitionKey: string,
): Promise<{
  sequential: { p50: number; p99: number };
  concurrent: { p50: number; p99: number };
  transactionsP50: number;
  partitionRows: number;
}> {
  const table = TableClient.fromConnectionString(connectionString, tableOf(partitionKey), {
    allowInsecureConnection: true,
  });
  const queue = new QueueClient(connectionString, 'benchfloor-feedback');
  await queue.createIfNotExists();
  let partitionRows = 0;
  for await (const row of table.listEntities({
    queryOptions: { filter: odata`PartitionKey eq ${partitionKey}`, select: ['RowKey'] },
  }))
    if (row) partitionRows += 1;
  const scratch: string[] = [];
  const transactions: number[] = [];
  async function action(i: number): Promise<number> {
    const user = `~floor|u|${String(i).padStart(3, '0')}`;
    const projection = `~floor|r|${String(i).padStart(3, '0')}`;
    scratch.push(user, `${user}|a`, projection);
    const start = performance.now();
    await table.submitTransaction([
      [
        'create',
        { partitionKey, rowKey: `${user}|a`, kind: 'dismissUser', acceptedAt: new Date().toISOString() },
      ],
      ['upsert', { partitionKey, rowKey: user, isProcessing: true }, 'Merge'],
    ]);
    let txMs = performance.now() - start;
    await queue.sendMessage(Buffer.from(JSON.stringify({ user })).toString('base64'));
    // With several actions at once, this may take another action's message: each action
    // still sends one and takes one.
    for (;;) {
      const [message] = (await queue.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems;
      if (message) {
        await queue.deleteMessage(message.messageId, message.popReceipt);
        break;
      }
    }
    for await (const row of table.listEntities({
      queryOptions: {
        filter: odata`PartitionKey eq ${partitionKey} and RowKey ge ${user} and RowKey lt ${`${user}}`}`,
      },
    }))
      void row;
    const tx = performance.now();
    await table.submitTransaction([
      ['update', { partitionKey, rowKey: user, isProcessing: false, riskState: 'dismissed' }, 'Merge'],
      [
        'upsert',
        { partitionKey, rowKey: projection, isProcessing: false, riskState: 'dismissed' },
        'Replace',
      ],
    ]);
    txMs += performance.now() - tx;
    await table.getEntity(partitionKey, projection);
    transactions.push(txMs);
    return performance.now() - start;
  }
  const sequential: number[] = [];
  for (let i = 0; i < 20; i += 1) sequential.push(await action(i));
  const concurrent: number[] = [];
  for (let i = 20; i < 60; i += 4)
    concurrent.push(...(await Promise.all([i, i + 1, i + 2, i + 3].map(action))));
  for (let i = 0; i < scratch.length; i += 100)
    await table.submitTransaction(
      scratch.slice(i, i + 100).map((rowKey) => ['delete', { partitionKey, rowKey }]),
    );
  await queue.delete();
  return {
    sequential: { p50: percentile(sequential, 50), p99: percentile(sequential, 99) },
    concurrent: { p50: percentile(concurrent, 50), p99: percentile(concurrent, 99) },
    transactionsP50: percentile(transactions.slice(0, 20), 50),
    partitionRows,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, Azurite (in memory)`;
  console.log(`riskloop bench — ${new Date().toISOString()} — ${machine}\n`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'riskloop-bench-'));
  const azurite = await startAzurite();
  const capture = await startSendGridCapture();
  const env: Record<string, string> = {
    AzureWebJobsStorage: azurite.connectionString,
    AUTH_MODE: 'dev',
    AUTH_AUDIENCE: AUDIENCE,
    DEV_SIGNING_KEY_FILE: path.join(work, 'key.json'),
    SENDGRID_API_KEY: 'SG.bench-key',
    SENDGRID_BASE_URL: capture.url,
    EMAIL_OUTBOX_DIR: path.join(work, 'outbox'),
    WEEKLY_DIGEST_SCHEDULE: SCHEDULE,
  };
  Object.assign(process.env, env);
  // Loaded after the environment is set: the app's modules read it on first use.
  const { mintDevToken } = await import('../shared/auth');
  const { loadSeed } = await import('../shared/engine/seed');
  const { storageMetrics } = await import('../shared/storage/metrics');
  const { ensureStorage, getStorage, queues } = await import('../shared/storage/clients');
  const { keys, partitions } = await import('../shared/storage/keys');
  const { detectionGroups, insertGroups } = await import('../shared/storage/ingest-store');
  const { ingestDetections } = await import('../shared/engine/ingest');
  const { rescoreUser } = await import('../shared/engine/rescore-user');
  const { alertRescoreHook, ensureAlertWindow } = await import('../shared/engine/alerts');
  const { pendingAlertWrite } = await import('../shared/storage/alert-store');
  const { projectionWrites } = await import('../shared/storage/projection');
  const { sendTenantDigest } = await import('../shared/engine/digest');
  const { digestPeriod } = await import('../shared/domain/digest');
  const { submitGroupsByPartition } = await import('../shared/storage/table');
  await ensureStorage();
  /** Messages on the rescore queue, invisible ones included: a queue property, not a table scan. */
  const rescoreBacklog = async (): Promise<number> =>
    (await getStorage().queue(queues.rescore).getProperties()).approximateMessagesCount ?? 0;
  const { tables } = getStorage();

  const host = await spawnLocalHost({ appDir: process.cwd(), env });
  const base = `${host.url}/v1.0`;
  const token = (tenantId: string, o: { objectId?: string; wids?: string[]; roles?: string[] }) =>
    mintDevToken({ keyFile: env.DEV_SIGNING_KEY_FILE!, audience: AUDIENCE, tenantId, minutes: 120, ...o });
  const call = async (tok: string, method: string, p: string, body?: unknown): Promise<Response> =>
    fetch(`${base}${p}`, {
      method,
      headers: { authorization: `Bearer ${tok}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  async function seedTenant(
    n: number,
    users: number,
    license: 'p2' | 'free' = 'p2',
    minRiskLevel: 'low' | 'medium' | 'high' = 'high',
  ) {
    await loadSeed({
      tenant: { id: tenantIdOf(n), displayName: `Bench tenant ${n}`, license },
      users: Array.from({ length: users }, (_, i) => ({
        id: userIdOf(n, i + 1),
        userPrincipalName: `user${i + 1}@bench${n}.example`,
        displayName: `Bench user ${i + 1}`,
        mail: `user${i + 1}@bench${n}.example`,
        otherMails: [],
      })),
      roleAssignments: [
        {
          roleTemplateId: GA,
          principalId: userIdOf(n, 1),
          principalType: 'user',
          assignmentType: 'active',
          createdDateTime: '2024-01-01T00:00:00.000Z',
        },
        {
          roleTemplateId: SR,
          principalId: userIdOf(n, 2),
          principalType: 'user',
          assignmentType: 'active',
          createdDateTime: '2024-01-01T00:00:00.000Z',
        },
      ],
      settings: { usersAtRiskAlert: { minRiskLevel, disabledRecipientIds: [], customRecipients: [] } },
    });
  }

  /** Rows of a RowKey range over the tenant's user partitions. */
  async function countUserRows(tenantId: string, range: { from: string; to: string }): Promise<number> {
    let count = 0;
    for (const partitionKey of partitions.userBuckets(tenantId)) {
      const filter = `PartitionKey eq '${partitionKey}' and RowKey ge '${range.from}' and RowKey lt '${range.to}'`;
      for await (const page of tables
        .of(partitionKey)
        .listEntities({ queryOptions: { filter, select: ['RowKey'] } })
        .byPage({ maxPageSize: 1000 })) {
        count += page.length;
      }
    }
    return count;
  }

  // `npm run bench -- --only burst,digest` runs some groups; the default is all of them.
  // `service` names the three that go through the local host; `feedback` runs `ingestion`
  // first, because it acts on the users that run rescored.
  const onlyArg = process.argv.indexOf('--only');
  const selected = onlyArg >= 0 ? new Set((process.argv[onlyArg + 1] ?? '').split(',')) : undefined;
  type Group = 'ingestion' | 'feedback' | 'burst' | 'roundtrips' | 'riskyusers' | 'digest';
  const viaHost: readonly Group[] = ['ingestion', 'feedback', 'burst'];
  const only = (group: Group): boolean =>
    !selected || selected.has(group) || (selected.has('service') && viaHost.includes(group));
  const ING = 10;

  if (only('ingestion') || only('feedback')) {
    // ---- 1. The floor: bare @azure/data-tables, 100-entity transactions, one partition.
    log('floor: bare batched writes…');
    const floorTable = TableClient.fromConnectionString(azurite.connectionString, 'benchfloor', {
      allowInsecureConnection: true,
    });
    await floorTable.createTable();
    const FLOOR_ENTITIES = 20_000;
    let t0 = performance.now();
    for (let i = 0; i < FLOOR_ENTITIES; i += 100) {
      const batch: TransactionAction[] = Array.from({ length: 100 }, (_, j) => [
        'create',
        {
          partitionKey: 'floor',
          rowKey: `r${String(i + j).padStart(6, '0')}`,
          riskLevel: 'low',
          riskEventType: 'leakedCredentials',
          activityDateTime: new Date().toISOString(),
          userId: userIdOf(1, (i + j) % 2000),
        },
      ]);
      await floorTable.submitTransaction(batch);
    }
    const floorPerSecond = FLOOR_ENTITIES / ((performance.now() - t0) / 1000);

    // ---- 2. Ingestion: 20,000 detections over 2,000 users through the HTTP API, until every user is rescored.
    log('ingestion: 20,000 detections over 2,000 users…');
    await seedTenant(ING, 2000);
    const ingester = await token(tenantIdOf(ING), { roles: ['IdentityRiskEvent.ReadWrite.All'] });
    const rssSamples: number[] = [];
    const sampler = setInterval(() => rssSamples.push(rssOf(host.pid).rss), 100);
    const ingestionCpu = cpuShare([azurite.pid, host.pid]);
    t0 = performance.now();
    const calls = Array.from({ length: 20 }, (_, c) =>
      Array.from({ length: 1000 }, (_, i) => {
        const user = c * 100 + Math.floor(i / 10) + 1;
        return {
          id: `ing-${c}-${i}`,
          userId: userIdOf(ING, user),
          riskEventType: 'leakedCredentials',
          riskLevel: 'low',
          detectionTimingType: 'offline',
          activity: 'user',
          activityDateTime: new Date(Date.UTC(2026, 10, 20, 5, i % 60)).toISOString(),
          detectedDateTime: new Date(Date.UTC(2026, 10, 20, 6)).toISOString(),
        };
      }),
    );
    for (let c = 0; c < calls.length; c += 2) {
      const answers = await Promise.all(
        calls.slice(c, c + 2).map((value) => call(ingester, 'POST', '/riskloop/riskDetections', { value })),
      );
      for (const a of answers)
        if (a.status !== 202) throw new Error(`ingestion answered ${a.status}: ${await a.text()}`);
    }
    const accepted = performance.now();
    // Cheap progress check (a queue property, not a table scan): the rescore queue drains,
    // then the users are counted once. Bounded: a run that does not finish is reported as such.
    const limit = performance.now() + 20 * 60_000;
    let rescored = 0;
    while (performance.now() < limit) {
      if ((await rescoreBacklog()) === 0) {
        rescored = await countUserRows(tenantIdOf(ING), keys.riskyUsersRange);
        if (rescored >= 2000) break;
      }
      await sleep(1000);
    }
    const ingestSeconds = (performance.now() - t0) / 1000;
    const [azuriteCpu, hostCpu] = ingestionCpu();
    clearInterval(sampler);
    const peak = rssOf(host.pid).hwm;
    const ingestPerSecond = 20_000 / ingestSeconds;
    // What one rescore's read costs on Azurite at this size: it scans its whole table (the facts of every user) per query.
    const rawTable = TableClient.fromConnectionString(azurite.connectionString, tableNames.facts, {
      allowInsecureConnection: true,
    });
    const queryMs: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const userId = userIdOf(ING, i * 97 + 5);
      const s0 = performance.now();
      const filter = `PartitionKey eq '${partitions.facts(tenantIdOf(ING), userId)}'`;
      for await (const row of rawTable.listEntities({ queryOptions: { filter } })) void row;
      queryMs.push(performance.now() - s0);
    }
    const bareQueryMs = percentile(queryMs, 50);
    // And what one rescore's final transaction (about 10 rows of a user partition) costs there.
    const bareFinalTxMs = await bareTransactionMs(
      azurite.connectionString,
      partitions.users(tenantIdOf(ING), userIdOf(ING, 3)),
      10,
    );
    record({
      name: 'ingestion throughput (20,000 detections / 2,000 users, HTTP, until all rescored)',
      value: Math.round(ingestPerSecond),
      unit: 'detections/s',
      target: '≥ 70 % of the raw batched-write floor',
      floor: {
        value: Math.round(floorPerSecond),
        unit: 'entities/s',
        what: 'bare 100-entity transactions of 20,000 entities',
      },
      ratio: ingestPerSecond / floorPerSecond,
      met: rescored >= 2000 && ingestPerSecond / floorPerSecond >= 0.7,
      note: `accepted in ${((accepted - t0) / 1000).toFixed(1)} s; ${rescored} of 2,000 users rescored after ${ingestSeconds.toFixed(1)} s; a bare range query for one user's rows takes ${bareQueryMs.toFixed(0)} ms on Azurite at this table size (it scans the whole facts table), so 2,000 rescore reads alone cost ≈ ${((bareQueryMs * 2000) / 1000).toFixed(0)} s; a bare 10-row transaction in a user partition takes ${bareFinalTxMs.toFixed(0)} ms (Azurite scans the partition for every row it writes), so 2,000 rescore commits alone cost ≈ ${((bareFinalTxMs * 2000) / 1000).toFixed(0)} s; CPU over the run: Azurite ${azuriteCpu} % of a core (it runs on one thread), the local host ${hostCpu} %`,
    });
    record({
      name: 'peak RSS of the local host during the ingestion run',
      value: Math.round(Math.max(peak, ...rssSamples)),
      unit: 'MiB',
      target: '≤ 300 MiB',
      met: Math.max(peak, ...rssSamples) <= 300,
    });
  }

  if (only('feedback')) {
    // ---- 3. Feedback action → applied, 200 actions (4 at a time).
    log('feedback: 200 actions…');
    const admin = await token(tenantIdOf(ING), {
      objectId: userIdOf(ING, 1),
      wids: ['194ae4cb-b126-40b2-bd5b-6091b380977d'],
    });
    const latencies: number[] = [];
    const targets = Array.from({ length: 200 }, (_, i) => userIdOf(ING, i + 3));
    const feedbackCpu = cpuShare([azurite.pid, host.pid]);
    for (let i = 0; i < targets.length; i += 4) {
      await Promise.all(
        targets.slice(i, i + 4).map(async (userId) => {
          const start = performance.now();
          const res = await call(admin, 'POST', '/identityProtection/riskyUsers/dismiss', {
            userIds: [userId],
          });
          if (res.status !== 204) throw new Error(`dismiss answered ${res.status}`);
          // Bounded: an action not applied within a minute counts as a minute.
          while (performance.now() - start < 60_000) {
            const user = (await (
              await call(admin, 'GET', `/identityProtection/riskyUsers/${userId}`)
            ).json()) as { isProcessing: boolean };
            if (!user.isProcessing) break;
            // 50 ms: finer polling by 4 clients (400 reads/s at 10 ms) loads the very host and
            // storage whose latency is measured. The figure is an upper bound by up to 50 ms.
            await sleep(50);
          }
          latencies.push(performance.now() - start);
        }),
      );
    }
    const [feedbackAzuriteCpu, feedbackHostCpu] = feedbackCpu();
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const floor = await feedbackFloor(
      azurite.connectionString,
      partitions.users(tenantIdOf(ING), userIdOf(ING, 3)),
    );
    const maxPollingInterval = String(
      (
        JSON.parse(fs.readFileSync('host.json', 'utf8')) as {
          extensions: { queues: { maxPollingInterval: string } };
        }
      ).extensions.queues.maxPollingInterval,
    );
    const feedbackFloorOf = (value: number) => ({
      value: Math.round(value),
      unit: 'ms',
      what: 'bare storage work of one action, 4 at a time as the figure runs them, same partition: 2-row transaction, queue send/receive/delete, range read, 2-row transaction, point read',
    });
    record({
      name: 'feedback action → applied, p50 (200 actions)',
      value: Math.round(p50),
      unit: 'ms',
      target: '≤ 150 ms',
      floor: feedbackFloorOf(floor.concurrent.p50),
      ratio: p50 / floor.concurrent.p50,
      met: p50 <= 150,
      note: `one action at a time, the floor is ${Math.round(floor.sequential.p50)} ms, its two transactions alone ${Math.round(floor.transactionsP50)} ms at this partition size (${floor.partitionRows} rows); CPU over the 200 actions: Azurite ${feedbackAzuriteCpu} % of a core, the local host ${feedbackHostCpu} %; the local host polls an idle queue at most every ${maxPollingInterval} (host.json maxPollingInterval)`,
    });
    record({
      name: 'feedback action → applied, p99 (200 actions)',
      value: Math.round(p99),
      unit: 'ms',
      target: '≤ 500 ms',
      floor: feedbackFloorOf(floor.concurrent.p99),
      ratio: p99 / floor.concurrent.p99,
      met: p99 <= 500,
      note: `one action at a time, the floor is ${Math.round(floor.sequential.p99)} ms`,
    });
    // The actions' rechecks (FEEDBACK_RECHECK_SECONDS after each call) run now, not during
    // the next group: the queue count includes invisible messages.
    log("feedback: waiting for the actions' rechecks…");
    const quietBy = performance.now() + 5 * 60_000;
    while ((await rescoreBacklog()) > 0 && performance.now() < quietBy) await sleep(1000);
  }

  if (only('burst')) {
    /** Waits (at most 600 s) until every user of the burst is in the notification log. */
    async function waitUntilLogged(n: number, users: number) {
      // The log, not the emails: an email's text part lists at most 50 users.
      const reader = await token(tenantIdOf(n), { objectId: userIdOf(n, 2), wids: [SR] });
      const readLog = async (): Promise<Map<string, number>> => {
        const logged = new Map<string, number>();
        let nextLink: string | undefined = `${base}/riskloop/notifications?$top=500`;
        while (nextLink) {
          const page = (await (
            await fetch(nextLink, { headers: { authorization: `Bearer ${reader}` } })
          ).json()) as {
            value: Array<{ users: Array<{ id: string }> }>;
            '@odata.nextLink'?: string;
          };
          for (const x of page.value) for (const u of x.users) logged.set(u.id, (logged.get(u.id) ?? 0) + 1);
          nextLink = page['@odata.nextLink'];
        }
        return logged;
      };
      const waitStart = Date.now();
      let logged = await readLog();
      while (logged.size < users && Date.now() - waitStart < 600_000) {
        await sleep(5000);
        logged = await readLog();
      }
      return {
        logged: logged.size,
        loggedTwice: [...logged.values()].filter((v) => v > 1).length,
        waited: (Date.now() - waitStart) / 1000,
      };
    }
    /** The burst's emails as the capture server received them, against when each user qualified. */
    function emailsOf(n: number, qualified: ReadonlyMap<string, number>) {
      const textOf = (r: (typeof capture.requests)[number]): string =>
        (r.body as { content: Array<{ type: string; value: string }> }).content.find(
          (c) => c.type === 'text/plain',
        )?.value ?? '';
      const listed = new RegExp(`user(\\d+)@bench${n}\\.example`, 'g');
      const emails = [...capture.requests].sort((a, b) => a.receivedAt - b.receivedAt);
      const gaps = emails.slice(1).map((e, i) => (e.receivedAt - emails[i]!.receivedAt) / 1000);
      const named = new Map<string, number>();
      let worstDelay = 0;
      for (const e of emails)
        for (const m of textOf(e).matchAll(listed)) {
          named.set(m[1]!, (named.get(m[1]!) ?? 0) + 1);
          const q = qualified.get(userIdOf(n, Number(m[1])));
          if (q !== undefined) worstDelay = Math.max(worstDelay, (e.receivedAt - q) / 1000);
        }
      const times = [...qualified.values()];
      return {
        emails: emails.length,
        namedTwice: [...named.values()].filter((v) => v > 1).length,
        smallestGap: gaps.length ? Math.min(...gaps) : Infinity,
        worstDelay,
        qualifiedOver: times.length ? (Math.max(...times) - Math.min(...times)) / 1000 : 0,
      };
    }
    type BurstOutcome = Awaited<ReturnType<typeof waitUntilLogged>> & ReturnType<typeof emailsOf>;
    const burstTarget =
      '1 email per 5-second window, every user in exactly one email, all sent within 10 s of qualifying';
    const burstMet = (o: BurstOutcome, users: number): boolean =>
      o.logged === users && o.loggedTwice === 0 && o.smallestGap >= 4.9 && o.worstDelay <= 10;
    const describeBurst = (o: BurstOutcome): string =>
      `${o.logged} users in the log, ${o.loggedTwice} twice (waited ${o.waited.toFixed(0)} s, at most 600); smallest gap between emails ${Number.isFinite(o.smallestGap) ? o.smallestGap.toFixed(1) : '-'} s; worst qualify→sent ${o.worstDelay.toFixed(1)} s; ${o.namedTwice} users named twice in listed parts`;

    // ---- 4. Alert burst as the target states it: 5,000 users qualify within about 5 s.
    // Rescoring 5,000 users takes minutes on Azurite (4b), so here the bench does for the
    // alert exactly what those rescores' commits do: each user's pending-alert row
    // (`pendingAlertWrite`, written in a qualifying rescore's transaction), then the window
    // opening (`ensureAlertWindow`, the rescore's afterCommit), 100 users at a time as fast
    // as Azurite takes them. The local host's queue-triggered sender does the rest.
    log('alert burst: 5,000 users qualify within about 5 s…');
    const PLANTED = 21;
    await seedTenant(PLANTED, 5000);
    capture.reset();
    const plantedAt = new Map<string, number>();
    for (let b = 0; b < 50; b += 1) {
      const qualifiedAt = new Date().toISOString();
      const writes = Array.from({ length: 100 }, (_, i) => {
        const u = b * 100 + i + 1;
        plantedAt.set(userIdOf(PLANTED, u), Date.parse(qualifiedAt));
        return [
          pendingAlertWrite(tenantIdOf(PLANTED), {
            userId: userIdOf(PLANTED, u),
            userPrincipalName: `user${u}@bench${PLANTED}.example`,
            displayName: `Bench user ${u}`,
            riskLevel: 'high',
            qualifiedAt,
            activityDateTime: new Date(Date.UTC(2026, 10, 20, 5)).toISOString(),
          }),
        ];
      });
      await submitGroupsByPartition(tables, writes);
      await ensureAlertWindow(tenantIdOf(PLANTED), new Date(), new Date(qualifiedAt));
    }
    const planted = { ...(await waitUntilLogged(PLANTED, 5000)), ...emailsOf(PLANTED, plantedAt) };
    record({
      name: 'alert burst: 5,000 users qualify within 5 s',
      value: planted.emails,
      unit: 'emails',
      target: burstTarget,
      met: burstMet(planted, 5000),
      note: `the 5,000 users qualified over ${planted.qualifiedOver.toFixed(1)} s (their pending-alert rows written and the window opened as a qualifying rescore does, 100 users at a time, as fast as Azurite takes them); ${describeBurst(planted)}`,
    });

    // ---- 4b. The same burst end to end: 5,000 users' detections ingested at once.
    log('alert burst end to end: 5,000 users ingested at once…');
    const BURST = 20;
    await seedTenant(BURST, 5000);
    const burstIngester = await token(tenantIdOf(BURST), { roles: ['IdentityRiskEvent.ReadWrite.All'] });
    capture.reset();
    const burstStart = Date.now();
    for (let c = 0; c < 5; c += 1) {
      const value = Array.from({ length: 1000 }, (_, i) => ({
        id: `burst-${c}-${i}`,
        userId: userIdOf(BURST, c * 1000 + i + 1),
        riskEventType: 'leakedCredentials',
        riskLevel: 'high',
        detectionTimingType: 'offline',
        activity: 'user',
        activityDateTime: new Date(Date.UTC(2026, 10, 20, 5)).toISOString(),
        detectedDateTime: new Date(Date.UTC(2026, 10, 20, 6)).toISOString(),
      }));
      const res = await call(burstIngester, 'POST', '/riskloop/riskDetections', { value });
      if (res.status !== 202) throw new Error(`burst ingestion answered ${res.status}`);
    }
    const burstAccepted = Date.now();
    // On Azurite the 5,000 rescores take minutes, so the users qualify over minutes. Each
    // user's qualification time ≈ when its rescore made it risky (riskLastUpdatedDateTime).
    const logged = await waitUntilLogged(BURST, 5000);
    const rescoredAt = new Map<string, number>();
    for (const partitionKey of partitions.userBuckets(tenantIdOf(BURST)))
      for await (const row of tables
        .of(partitionKey)
        .listEntities<{ userId: string; riskLastUpdatedDateTime: string }>({
          queryOptions: {
            filter: `PartitionKey eq '${partitionKey}' and RowKey ge 'r|' and RowKey lt 'r}'`,
          },
        })) {
        rescoredAt.set(row.userId, Date.parse(row.riskLastUpdatedDateTime));
      }
    const endToEnd = { ...logged, ...emailsOf(BURST, rescoredAt) };
    record({
      name: 'alert burst end to end: 5,000 users ingested at once',
      value: endToEnd.emails,
      unit: 'emails',
      target: burstTarget,
      met: burstMet(endToEnd, 5000),
      note: `the ${rescoredAt.size.toLocaleString('en')} users qualified over ${endToEnd.qualifiedOver.toFixed(0)} s (the rescores of 5,000 users on Azurite), not within 5 s; ingestion accepted in ${((burstAccepted - burstStart) / 1000).toFixed(1)} s; ${describeBurst(endToEnd)}`,
    });
  }
  // The host's own log of the run, for looking into a figure (git-ignored, like results.json).
  fs.writeFileSync(path.join('bench', 'host.log'), host.output());
  await host.stop();

  if (only('roundtrips')) {
    // ---- 5. Round trips per operation (host stopped: nothing else touches storage now).
    log('round trips…');
    const RT = 30;
    await seedTenant(RT, 10);
    const detectionsFor = (userId: string, n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({
        id: `${prefix}-${i}`,
        userId,
        riskEventType: 'leakedCredentials',
        riskLevel: 'medium' as const,
        detectionTimingType: 'offline' as const,
        activity: 'user' as const,
        activityDateTime: new Date(Date.UTC(2026, 10, 20, 5, 0, i % 60)).toISOString(),
        detectedDateTime: new Date(Date.UTC(2026, 10, 20, 6)).toISOString(),
      }));
    storageMetrics.reset();
    await ingestDetections(tenantIdOf(RT), detectionsFor(userIdOf(RT, 1), 100, 'call'));
    const ingestTrips = storageMetrics.total;
    record({
      name: 'round trips per ingestion call of 100 detections of one user',
      value: ingestTrips,
      unit: 'round trips',
      target: '≤ 3',
      met: ingestTrips <= 3,
    });

    const rescoreTrips: string[] = [];
    let worstRescore = 0;
    for (const [i, n] of [1, 10, 100, 1000].entries()) {
      const userId = userIdOf(RT, i + 2);
      const items = detectionsFor(userId, n, `rs${n}`);
      await insertGroups(tenantIdOf(RT), detectionGroups(tenantIdOf(RT), items));
      storageMetrics.reset();
      await rescoreUser(
        {
          type: 'rescore',
          tenantId: tenantIdOf(RT),
          userId,
          detectionIds: items.slice(0, 200).map((d) => d.id),
        },
        alertRescoreHook,
      );
      rescoreTrips.push(`${n}: ${storageMetrics.total}`);
      worstRescore = Math.max(worstRescore, storageMetrics.total);
    }
    record({
      name: 'round trips per rescore of one user (new detections, 1–1,000)',
      value: worstRescore,
      unit: 'round trips',
      target: '≤ 4',
      met: worstRescore <= 4,
      note: `by detections: ${rescoreTrips.join(', ')} (includes the alert bookkeeping)`,
    });
  }

  if (only('riskyusers')) {
    // ---- 6. riskyUsers list, $filter=riskLevel eq 'high', 100k users of which 1 % high.
    log('riskyUsers 100k: writing projections…');
    const BIG = 40;
    const BIG_USERS = 100_000;
    // Bounded: Azurite's cost per insert grows with the partition (each of a tenant's 16
    // user partitions holds 1/16 of its projections) and with the table, so seeding stops
    // after this long and the page is measured at the size reached — reported as such,
    // never as the 100k figure.
    const SEED_BUDGET_MS = 6 * 60_000;
    await seedTenant(BIG, 3);
    const now = new Date().toISOString();
    const seedStart = performance.now();
    let seeded = 0;
    while (seeded < BIG_USERS && performance.now() - seedStart < SEED_BUDGET_MS) {
      const writes = Array.from({ length: 100 }, (_, j) => {
        const i = seeded + j;
        const level = i % 100 === 0 ? 'high' : i % 3 === 0 ? 'medium' : 'low';
        return projectionWrites(
          partitions.users(tenantIdOf(BIG), userIdOf(BIG, i + 1)),
          {
            userId: userIdOf(BIG, i + 1),
            userPrincipalName: `user${i + 1}@bench${BIG}.example`,
            userDisplayName: `Bench user ${i + 1}`,
            riskLevel: level,
            riskState: 'atRisk',
            riskDetail: 'none',
            riskLastUpdatedDateTime: now,
            isProcessing: false,
          },
          undefined,
        );
      });
      await submitGroupsByPartition(tables, writes);
      seeded += 100;
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;
    log(`riskyUsers: ${seeded} users' projections written in ${seedSeconds.toFixed(0)} s`);
    const freshHost = await spawnLocalHost({ appDir: process.cwd(), env });
    const bigReader = await mintDevToken({
      keyFile: env.DEV_SIGNING_KEY_FILE!,
      audience: AUDIENCE,
      tenantId: tenantIdOf(BIG),
      objectId: userIdOf(BIG, 2),
      wids: [SR],
    });
    const firstPage: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      const s = performance.now();
      const res = await fetch(
        `${freshHost.url}/v1.0/identityProtection/riskyUsers?$filter=riskLevel eq 'high'`,
        { headers: { authorization: `Bearer ${bigReader}` } },
      );
      const body = (await res.json()) as { value: unknown[] };
      if (body.value.length !== 20) throw new Error(`expected a full first page, got ${body.value.length}`);
      if (i > 0) firstPage.push(performance.now() - s);
    }
    const scanStart = performance.now();
    const scan = await fetch(
      `${freshHost.url}/v1.0/identityProtection/riskyUsers?$filter=riskLevel eq 'high' or riskLevel eq 'none'`,
      { headers: { authorization: `Bearer ${bigReader}` } },
    );
    await scan.json();
    const scanMs = performance.now() - scanStart;
    await freshHost.stop();
    const firstPageMs = percentile(firstPage, 50);
    // The floor: the page's own storage work with bare @azure/data-tables — the same 16
    // range reads of at most 20 rows, in parallel — and, for comparison, one such read.
    const bareRange = async (partitionKey: string): Promise<void> => {
      const range = keys.riskyUsersByLevelRange('high');
      const pages = tables
        .of(partitionKey)
        .listEntities({
          queryOptions: {
            filter: odata`PartitionKey eq ${partitionKey} and RowKey ge ${range.from} and RowKey lt ${range.to}`,
          },
        })
        .byPage({ maxPageSize: 20 });
      await pages.next();
    };
    const bareAll: number[] = [];
    const bareOne: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      let s = performance.now();
      await Promise.all(partitions.userBuckets(tenantIdOf(BIG)).map(bareRange));
      bareAll.push(performance.now() - s);
      s = performance.now();
      await bareRange(partitions.userBuckets(tenantIdOf(BIG))[0]!);
      bareOne.push(performance.now() - s);
    }
    const pageFloorMs = percentile(bareAll, 50);
    record({
      name: "riskyUsers first page, $filter=riskLevel eq 'high', 100k users (1 % high)",
      value: Math.round(firstPageMs),
      unit: 'ms (median of 10)',
      target: '≤ 100 ms, without reading all 100k rows',
      floor: {
        value: Math.round(pageFloorMs),
        unit: 'ms',
        what: 'the same 16 range reads of at most 20 rows with bare @azure/data-tables, in parallel',
      },
      ratio: firstPageMs / pageFloorMs,
      met: seeded >= BIG_USERS && firstPageMs <= 100,
      note: `one of those range reads alone takes ${Math.round(percentile(bareOne, 50))} ms; measured with ${seeded.toLocaleString('en')} users (${(seeded * 4).toLocaleString('en')} projection rows, written in ${seedSeconds.toFixed(0)} s${seeded < BIG_USERS ? '; seeding stopped at its time bound' : ''}); reads the by-level projection (rl|high|…) of each of the 16 user partitions: 16 parallel range reads of at most 20 rows, so at most 320 rows for 20 results at any size; Azurite answers each range read with a scan of its whole table (every partition, every row) and each user bucket is its own table (shared/storage/keys.ts), so here the page costs 16 scans of one bucket's rows each; the same page through an unindexed filter ('high' or 'none') took ${Math.round(scanMs)} ms`,
    });
  }

  if (only('digest')) {
    // ---- 7. Weekly digest, tenant with 100k users: history ×1 vs ×4 outside the week.
    log('digest ×1 / ×4…');
    const period = digestPeriod(SCHEDULE, new Date());
    async function seedDigestTenant(n: number, historyFactor: number): Promise<void> {
      await seedTenant(n, 3);
      const tenantId = tenantIdOf(n);
      const writes: TransactionAction[][] = [];
      const weekStart = Date.parse(period.start);
      const inWeek = (i: number) => new Date(weekStart + 1000 + i * 1000).toISOString();
      const before = (i: number) => new Date(weekStart - 86_400_000 - i * 1000).toISOString();
      for (let i = 0; i < 1000; i += 1) {
        writes.push([
          [
            'upsert',
            {
              partitionKey: partitions.users(tenantId, userIdOf(n, i)),
              rowKey: keys.turnedRisky(inWeek(i), userIdOf(n, i)),
              rowType: 'digestUser',
              userId: userIdOf(n, i),
              userPrincipalName: `u${i}@x`,
              userDisplayName: `U ${i}`,
              at: inWeek(i),
              riskLevel: 'high',
            },
            'Replace',
          ],
        ]);
        writes.push([
          [
            'upsert',
            {
              partitionKey: partitions.index(tenantId),
              rowKey: keys.riskySignIn(inWeek(i), `s${i}`),
              rowType: 'digestSignIn',
              id: `s${i}`,
              userPrincipalName: `u${i}@x`,
              userDisplayName: `U ${i}`,
              createdDateTime: inWeek(i),
              riskLevelDuringSignIn: 'medium',
            },
            'Replace',
          ],
        ]);
      }
      for (let i = 0; i < 2000 * historyFactor; i += 1) {
        writes.push([
          [
            'upsert',
            {
              partitionKey: partitions.users(tenantId, userIdOf(n, i)),
              rowKey: keys.turnedRisky(before(i), userIdOf(n, i)),
              rowType: 'digestUser',
              userId: userIdOf(n, i),
              at: before(i),
              riskLevel: 'low',
            },
            'Replace',
          ],
        ]);
        writes.push([
          [
            'upsert',
            {
              partitionKey: partitions.index(tenantId),
              rowKey: keys.riskySignIn(before(i), `old${i}`),
              rowType: 'digestSignIn',
              id: `old${i}`,
              createdDateTime: before(i),
              riskLevelDuringSignIn: 'low',
            },
            'Replace',
          ],
        ]);
      }
      // The user index is in the user partitions, the sign-in index in the index partition.
      await submitGroupsByPartition(tables, writes);
    }
    async function timeDigest(n: number): Promise<{ ms: number; trips: number }> {
      storageMetrics.reset();
      const s = performance.now();
      const outcome = await sendTenantDigest({
        type: 'weeklyDigest',
        tenantId: tenantIdOf(n),
        runId: `bench-${n}`,
        period,
      });
      const ms = performance.now() - s;
      if (outcome.outcome !== 'sent') throw new Error(`digest outcome ${outcome.outcome}`);
      return { ms, trips: storageMetrics.total };
    }
    // Three tenants of each history, all seeded before any build is timed, so every build
    // meets the same storage (Azurite's cost per query follows its whole table, every
    // tenant's rows). One untimed build first (the first one in a process pays for loading
    // and compiling the code), then ×1, ×4, ×4, ×1, ×1, ×4; medians of three.
    const WARM_UP = 49;
    const ONE = [50, 51, 52];
    const FOUR = [53, 54, 55];
    await seedDigestTenant(WARM_UP, 1);
    for (const n of ONE) await seedDigestTenant(n, 1);
    for (const n of FOUR) await seedDigestTenant(n, 4);
    const warmUp = await timeDigest(WARM_UP);
    const builds = new Map<number, { ms: number; trips: number }>();
    for (const n of [ONE[0]!, FOUR[0]!, FOUR[1]!, ONE[1]!, ONE[2]!, FOUR[2]!])
      builds.set(n, await timeDigest(n));
    const medianOf = (tenants: readonly number[]) => ({
      ms: percentile(
        tenants.map((n) => builds.get(n)!.ms),
        50,
      ),
      trips: Math.max(...tenants.map((n) => builds.get(n)!.trips)),
      all: tenants.map((n) => Math.round(builds.get(n)!.ms)).join(' / '),
    });
    const one = medianOf(ONE);
    const four = medianOf(FOUR);
    record({
      name: 'weekly digest build: history ×4 / ×1 outside the week (time)',
      value: Number((four.ms / one.ms).toFixed(2)),
      unit: 'ratio',
      target: '≤ 1.2',
      met: four.ms / one.ms <= 1.2,
      note: `medians of three builds each: ×1 ${Math.round(one.ms)} ms (${one.all}), ×4 ${Math.round(four.ms)} ms (${four.all}), after an untimed first build (${Math.round(warmUp.ms)} ms) (1,000 users and 1,000 sign-ins in the week; 4,000 vs 16,000 older index rows)`,
    });
    record({
      name: 'weekly digest build: history ×4 / ×1 outside the week (round trips)',
      value: Number((four.trips / one.trips).toFixed(2)),
      unit: 'ratio',
      target: '≤ 1.2',
      met: four.trips / one.trips <= 1.2,
      note: `×1 ${one.trips}, ×4 ${four.trips} round trips`,
    });
  }

  await capture.stop();
  await azurite.stop();
  fs.rmSync(work, { recursive: true, force: true });

  console.log(
    `\n${figures.filter((f) => f.met).length} of ${figures.length} targets met in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log('\nwritten: bench/results.json');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);

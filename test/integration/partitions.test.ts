import { odata, type TransactionAction } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigestContent } from '../../shared/domain/digest';
import { getStorage, queues } from '../../shared/storage/clients';
import { readDigestWeek } from '../../shared/storage/digest-store';
import { keys, partitions } from '../../shared/storage/keys';
import { readMergedPage } from '../../shared/storage/paging';
import { enqueue } from '../../shared/storage/queue';
import { eventually, startService, type TestService } from '../helpers/service';
import { SA, SR, tenantId, tenantSeed, userId } from '../helpers/tenants';

/**
 * The key layout (shared/storage/keys.ts): a user's detections and sign-ins live in the
 * user's facts partition, their pointers in the tenant's index partition, written in two
 * steps. These tests pin what that must never lose or double.
 */
let service: TestService;
const N = 31;
const T = tenantId(N);
let admin: string;
let reader: string;
let ingester: string;

beforeAll(async () => {
  service = await startService();
  await service.seed(tenantSeed(N, 'p2', 12));
  admin = await service.token({ tenantId: T, objectId: userId(N, 1), wids: [SA] });
  reader = await service.token({ tenantId: T, objectId: userId(N, 2), wids: [SR] });
  ingester = await service.token({ tenantId: T, roles: ['IdentityRiskEvent.ReadWrite.All'] });
});
afterAll(async () => {
  await service?.stop();
});

const detection = (id: string, user: string, riskLevel: string) => ({
  id,
  userId: user,
  riskEventType: 'leakedCredentials',
  riskLevel,
  detectionTimingType: 'offline',
  activity: 'user',
  activityDateTime: '2026-11-20T05:00:00.000Z',
  detectedDateTime: '2026-11-20T05:00:00.000Z',
});

async function ingest(items: unknown[]): Promise<{ accepted: number; duplicates: number }> {
  const res = await service.call(ingester, 'POST', '/riskloop/riskDetections', { value: items });
  expect(res.status).toBe(202);
  return (await res.json()) as { accepted: number; duplicates: number };
}

async function factsOf(user: string): Promise<string[]> {
  const rows: string[] = [];
  for await (const row of getStorage()
    .tables.of(partitions.facts(T, user))
    .listEntities({
      queryOptions: { filter: odata`PartitionKey eq ${partitions.facts(T, user)}` },
    })) {
    rows.push(row.rowKey!);
  }
  return rows;
}

async function riskyUser(user: string): Promise<Record<string, unknown> | undefined> {
  const res = await service.call(reader, 'GET', `/identityProtection/riskyUsers/${user}`);
  if (res.status === 404) return undefined;
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('ingestion in two steps (claim the id, then store the row)', () => {
  it('R-X6: an id claimed by a call that crashed before storing its row is stored when the call is retried', async () => {
    const u = userId(N, 3);
    // What a crash between the two steps leaves: the pointer, no detection row.
    await getStorage()
      .tables.of(partitions.index(T))
      .createEntity({
        partitionKey: partitions.index(T),
        rowKey: keys.detectionPointer('crash-1'),
        rowType: 'pointer',
        userId: u,
      });
    expect(await ingest([detection('crash-1', u, 'medium')])).toEqual(
      expect.objectContaining({ accepted: 1, duplicates: 0 }),
    );
    expect(await factsOf(u)).toEqual([keys.detection(u, 'crash-1')]);
    const user = await eventually(async () => {
      const found = await riskyUser(u);
      return found?.isProcessing === false ? found : undefined;
    });
    expect(user).toMatchObject({ riskLevel: 'medium', riskState: 'atRisk' });
    // Sent a third time it is an ordinary duplicate.
    expect(await ingest([detection('crash-1', u, 'medium')])).toEqual(
      expect.objectContaining({ accepted: 0, duplicates: 1 }),
    );
  });

  it('an id already claimed by another user is a duplicate and stores nothing for the second user', async () => {
    const first = userId(N, 4);
    const second = userId(N, 5);
    expect(await ingest([detection('taken-1', first, 'low')])).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await ingest([detection('taken-1', second, 'high')])).toMatchObject({
      accepted: 0,
      duplicates: 1,
    });
    expect(await factsOf(second)).toEqual([]);
    const res = await service.call(reader, 'GET', '/identityProtection/riskDetections/taken-1');
    expect(await res.json()).toMatchObject({ userId: first, riskLevel: 'low' });
  });

  it('the same id twice in one call is stored once', async () => {
    const u = userId(N, 6);
    expect(await ingest([detection('twice-1', u, 'low'), detection('twice-1', u, 'low')])).toMatchObject({
      accepted: 1,
      duplicates: 1,
    });
    expect(await factsOf(u)).toEqual([keys.detection(u, 'twice-1')]);
  });
});

describe('R-F3 across partitions', () => {
  it('a confirm-compromised action whose detection was never written gets it from the rescore', async () => {
    const u = userId(N, 7);
    // What a crash right after recording the action leaves: the action, no detection.
    await getStorage()
      .tables.of(partitions.users(T, u))
      .createEntity({
        partitionKey: partitions.users(T, u),
        rowKey: keys.action(u, 'heal-1'),
        rowType: 'action',
        id: 'heal-1',
        kind: 'confirmUserCompromised',
        acceptedAt: new Date().toISOString(),
        initiatedBy: userId(N, 1),
      });
    await enqueue(queues.rescore, { type: 'rescore', tenantId: T, userId: u, detectionIds: [] });
    const user = await eventually(async () => {
      const found = await riskyUser(u);
      return found?.riskState === 'confirmedCompromised' ? found : undefined;
    });
    expect(user).toMatchObject({ riskLevel: 'high', riskDetail: 'adminConfirmedUserCompromised' });
    const res = await service.call(reader, 'GET', '/identityProtection/riskDetections/acc-heal-1');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      userId: u,
      riskEventType: 'adminConfirmedUserCompromised',
      riskLevel: 'high',
    });
  });

  it('through the API the action and its detection are both there once', async () => {
    const u = userId(N, 8);
    const res = await service.call(admin, 'POST', '/identityProtection/riskyUsers/confirmCompromised', {
      userIds: [u],
    });
    expect(res.status).toBe(204);
    await eventually(async () => ((await riskyUser(u))?.isProcessing === false ? true : undefined));
    const facts = await factsOf(u);
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatch(new RegExp(`^u\\|${u}\\|d\\|acc-`));
  });
});

describe('tenant-wide lists span every facts partition', () => {
  it('riskDetections pages through several users’ partitions, each detection exactly once', async () => {
    const users = [userId(N, 9), userId(N, 10), userId(N, 11)];
    const ids = users.flatMap((_u, i) => [`span-${i}-a`, `span-${i}-b`]);
    await ingest(
      users.flatMap((u, i) => [detection(`span-${i}-a`, u, 'low'), detection(`span-${i}-b`, u, 'low')]),
    );
    const seen: string[] = [];
    let next: string | undefined = `${service.base}/identityProtection/riskDetections?$top=2`;
    for (let pages = 0; next && pages < 50; pages += 1) {
      const page = (await (await fetch(next, { headers: { authorization: `Bearer ${reader}` } })).json()) as {
        value: Array<{ id: string }>;
        '@odata.nextLink'?: string;
      };
      seen.push(...page.value.map((d) => d.id));
      next = page['@odata.nextLink'];
    }
    expect(next).toBeUndefined();
    for (const id of ids) expect(seen).toContain(id);
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe('the digest index carries the current level (R-D2, R-D4)', () => {
  it('a user who turned risky shows the level it has now, read from the week’s index rows alone', async () => {
    const u = userId(N, 12);
    const start = new Date(Date.now() - 60_000).toISOString();
    const settledAt = async (level: string) =>
      eventually(async () => {
        const found = await riskyUser(u);
        return found?.isProcessing === false && found.riskLevel === level ? found : undefined;
      });
    const digestLevel = async () => {
      const period = { weekId: 'test', start, end: new Date(Date.now() + 60_000).toISOString() };
      const content = buildDigestContent({ period, ...(await readDigestWeek(T, period)) });
      return content.newRiskyUsers.first.find((entry) => entry.userId === u)?.riskLevel;
    };

    await ingest([detection('level-1', u, 'low')]);
    await settledAt('low');
    expect(await digestLevel()).toBe('low');
    // Still atRisk, so no new index row: the existing one moves to the new level.
    await ingest([detection('level-2', u, 'high')]);
    await settledAt('high');
    expect(await digestLevel()).toBe('high');
    const res = await service.call(admin, 'POST', '/identityProtection/riskyUsers/dismiss', { userIds: [u] });
    expect(res.status).toBe(204);
    await settledAt('none');
    expect(await digestLevel()).toBe('none');
  });
});

describe('user partitions: lists over all users merge the 16 partitions (SPEC §7 paging)', () => {
  const M = 32;
  const TM = tenantId(M);
  let mReader: string;
  const users = Array.from({ length: 12 }, (_, i) => userId(M, i + 3));
  const levelOf = (i: number) => (['low', 'medium', 'high'] as const)[i % 3]!;

  beforeAll(async () => {
    await service.seed(tenantSeed(M, 'p2', 14));
    mReader = await service.token({ tenantId: TM, objectId: userId(M, 2), wids: [SR] });
    const mIngester = await service.token({ tenantId: TM, roles: ['IdentityRiskEvent.ReadWrite.All'] });
    const res = await service.call(mIngester, 'POST', '/riskloop/riskDetections', {
      value: users.map((u, i) => ({
        ...detection(`merge-${i}`, u, levelOf(i)),
        // Distinct times, in an order unrelated to the ids, so the ordered lists are checkable.
        activityDateTime: new Date(Date.UTC(2026, 10, 20, 5, (i * 7) % 12)).toISOString(),
      })),
    });
    expect(res.status).toBe(202);
    await eventually(async () => {
      const res = await fetch(`${service.base}/identityProtection/riskyUsers?$top=500`, {
        headers: { authorization: `Bearer ${mReader}` },
      });
      const all = ((await res.json()) as { value: Listed[] }).value;
      return all.length === users.length && all.every((u) => !u.isProcessing) ? true : undefined;
    }, 50_000);
  });

  interface Listed {
    id: string;
    riskLevel: string;
    riskLastUpdatedDateTime: string;
    isProcessing: boolean;
  }
  /** Every page of a list; each but the last is full (`$top`), the last is not empty (no trailing empty page). */
  async function pages(path: string): Promise<Listed[]> {
    const top = Number(new URL(path, 'http://x').searchParams.get('$top'));
    const sizes: number[] = [];
    const seen: Listed[] = [];
    let next: string | undefined = `${service.base}${path}`;
    for (let n = 0; next && n < 50; n += 1) {
      const res = await fetch(next, { headers: { authorization: `Bearer ${mReader}` } });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { value: Listed[]; '@odata.nextLink'?: string };
      seen.push(...page.value);
      sizes.push(page.value.length);
      next = page['@odata.nextLink'];
    }
    expect(next).toBeUndefined();
    expect(sizes.slice(0, -1).every((size) => size === top)).toBe(true);
    expect(sizes.at(-1)).toBeGreaterThan(0);
    return seen;
  }

  it('the users are spread over several user partitions, and the tenant partition holds none of their rows', async () => {
    expect(new Set(users.map((u) => partitions.users(TM, u))).size).toBeGreaterThan(4);
    const tenantRows: string[] = [];
    for await (const row of getStorage()
      .tables.of(TM)
      .listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${TM}` },
      }))
      tenantRows.push(row.rowKey!);
    expect(tenantRows.filter((k) => /^(u|r|ra|rd|rl|p|x)\|/.test(k))).toEqual([]);
    for (const u of users) {
      const row = await getStorage()
        .tables.of(partitions.users(TM, u))
        .getEntity(partitions.users(TM, u), keys.user(u));
      expect(row.riskState).toBe('atRisk');
    }
  });

  it('pages of 3 list every risky user once, in id order, as one partition would', async () => {
    const listed = await pages('/identityProtection/riskyUsers?$top=3');
    expect(listed.map((u) => u.id)).toEqual([...users].sort());
  });

  it('$orderby=riskLastUpdatedDateTime, both directions, stays ordered across pages', async () => {
    const asc = await pages('/identityProtection/riskyUsers?$orderby=riskLastUpdatedDateTime&$top=5');
    const desc = await pages('/identityProtection/riskyUsers?$orderby=riskLastUpdatedDateTime desc&$top=5');
    expect(asc).toHaveLength(users.length);
    expect(desc).toHaveLength(users.length);
    expect(asc.map((u) => u.id).sort()).toEqual([...users].sort());
    expect(desc.map((u) => u.id).sort()).toEqual([...users].sort());
    const times = (list: Listed[]) => list.map((u) => u.riskLastUpdatedDateTime);
    expect(times(asc)).toEqual([...times(asc)].sort());
    expect(times(desc)).toEqual([...times(asc)].sort().reverse());
  });

  it("$filter=riskLevel eq 'high' reads the high users only, across partitions", async () => {
    const high = await pages("/identityProtection/riskyUsers?$filter=riskLevel eq 'high'&$top=2");
    expect(high.map((u) => u.id)).toEqual(users.filter((_u, i) => levelOf(i) === 'high').sort());
  });
});

describe('readMergedPage on real partitions', () => {
  // Three user partitions of one tenant: three partitions in three tables.
  const partitionsOf = ['merge-test|u|0', 'merge-test|u|1', 'merge-test|u|2'];
  // 30 rows over 3 partitions, interleaved by RowKey; every third is "kept".
  const rowKeys = Array.from({ length: 30 }, (_, i) => `k|${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    for (const [p, partitionKey] of partitionsOf.entries())
      await getStorage()
        .tables.of(partitionKey)
        .submitTransaction(
          rowKeys
            .filter((_k, i) => i % 3 === p)
            .map((rowKey): TransactionAction => [
              'create',
              { partitionKey, rowKey, n: Number(rowKey.slice(2)) },
            ]),
        );
  });

  async function follow(
    limit: number,
    keep: (n: number) => boolean,
  ): Promise<{ items: number[]; pages: number[] }> {
    const items: number[] = [];
    const pages: number[] = [];
    let resumeAt: string | undefined;
    for (let call = 0; call < 100; call += 1) {
      const page = await readMergedPage(
        getStorage().tables,
        partitionsOf,
        { from: 'k|', to: 'k}' },
        undefined,
        limit,
        resumeAt,
        partitionsOf[0]!,
        (row) => (keep(row.n as number) ? (row.n as number) : undefined),
      );
      items.push(...page.items);
      pages.push(page.items.length);
      if (!page.continuation) return { items, pages };
      resumeAt = page.continuation.nextRowKey;
    }
    throw new Error('no end after 100 pages');
  }

  it('merges the partitions in RowKey order, each row once, across pages', async () => {
    const { items, pages } = await follow(4, () => true);
    expect(items).toEqual(rowKeys.map((_k, i) => i));
    expect(pages).toEqual([4, 4, 4, 4, 4, 4, 4, 2]);
  });

  it('rows the post-filter rejects are read past, not lost or repeated', async () => {
    const { items } = await follow(3, (n) => n % 7 === 0);
    expect(items).toEqual([0, 7, 14, 21, 28]);
  });

  it('a selective post-filter ends pages short after the request budget, and paging still completes', async () => {
    // One row per storage page: 30 reads for one match; each call may make 3 + 10 requests.
    const { items, pages } = await follow(1, (n) => n === 29);
    expect(items).toEqual([29]);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.slice(0, -1).every((size) => size === 0)).toBe(true);
  });
});

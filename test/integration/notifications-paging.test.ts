import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetConfigForTests } from '../../shared/config';
import { listNotifications, type GraphCollection } from '../../shared/engine/reads';
import { loadSeed } from '../../shared/engine/seed';
import { ensureStorage } from '../../shared/storage/clients';
import { storageMetrics } from '../../shared/storage/metrics';
import { notificationKey, putNotification, type Notification } from '../../shared/storage/notification-store';
import { getTenant, type Tenant } from '../../shared/storage/tenant-store';
import { startAzurite, type AzuriteInstance } from '../../tools/azurite';
import { tenantId, tenantSeed } from '../helpers/tenants';

/**
 * GET /riskloop/notifications bounds a page by the users it holds (README, Design decisions:
 * "A notifications page is bounded by its users"): a page ends early, with a nextLink that
 * continues right after its last entry, once the users' JSON would pass 3,000,000 characters;
 * a single larger entry is a page of its own. `$select` without `users` reads no pieces.
 * In-process against a real Azurite, the entries written with the app's own store functions.
 */
const PAGE_USER_CHARS = 3_000_000;
const BASE = 'https://riskloop.example/v1.0/riskloop/notifications';

let azurite: AzuriteInstance;

beforeAll(async () => {
  azurite = await startAzurite();
  Object.assign(process.env, { AzureWebJobsStorage: azurite.connectionString });
  resetConfigForTests();
  await ensureStorage();
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
});

function usersOf(entry: number, count: number): Notification['users'] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${String(entry).padStart(8, '0')}-2222-4333-8444-${String(i).padStart(12, '0')}`,
    userPrincipalName: `user${i}.of.entry${entry}@burst.example`,
    displayName: `User ${i} of entry ${entry}, ${'department with a long name '.repeat(2)}`,
    riskLevel: 'high',
  }));
}

/** Writes alert entries one minute apart (the first is the oldest); returns their ids newest first. */
async function writeEntries(tenant: string, sizes: readonly number[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, size] of sizes.entries()) {
    const dateTime = new Date(Date.UTC(2026, 10, 20, 8, i)).toISOString();
    const id = `window-${i}`;
    await putNotification(tenant, notificationKey(dateTime, id), {
      id,
      type: 'usersAtRisk',
      dateTime,
      recipients: ['secadmin@example.com'],
      users: usersOf(i, size),
      outcome: 'sent',
    });
    ids.unshift(id);
  }
  return ids;
}

async function seeded(n: number): Promise<Tenant> {
  await loadSeed(tenantSeed(n, 'p2'));
  return (await getTenant(tenantId(n)))!;
}

/** Follows nextLinks from `url`; returns each page with the storage round trips it cost. */
async function allPages(
  tenant: Tenant,
  url: string,
): Promise<Array<{ page: GraphCollection; roundTrips: number }>> {
  const pages: Array<{ page: GraphCollection; roundTrips: number }> = [];
  let next: string | undefined = url;
  while (next !== undefined && pages.length < 50) {
    storageMetrics.reset();
    const page = await listNotifications({ tenant, url: next });
    pages.push({ page, roundTrips: storageMetrics.tableRequests });
    next = page['@odata.nextLink'];
  }
  return pages;
}

const userChars = (item: Record<string, unknown>): number => JSON.stringify(item.users).length;

describe('SPEC §7 GET /riskloop/notifications (the users each email covered): a page is bounded by the users it holds', () => {
  it('$top=500 over large entries: pages cut at the bound, the nextLinks yield every entry once', async () => {
    const tenant = await seeded(301);
    // About 390,000 characters of users each: ten of them are more than one page holds.
    const sizes = Array.from({ length: 10 }, () => 2_500);
    const ids = await writeEntries(tenant.id, sizes);

    const pages = await allPages(tenant, `${BASE}?$top=500`);

    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]!.page.value.length).toBeLessThan(10);
    expect(pages[0]!.page['@odata.nextLink']).toMatch(/\$top=500&\$skiptoken=/);
    for (const { page, roundTrips } of pages) {
      const chars = page.value.reduce((sum, item) => sum + userChars(item), 0);
      expect(chars).toBeLessThanOrEqual(PAGE_USER_CHARS);
      // One query of the log, then one read of pieces per entry on the page, none for others.
      expect(roundTrips).toBe(1 + page.value.length);
    }
    const listed = pages.flatMap(({ page }) => page.value);
    expect(listed.map((item) => item.id)).toEqual(ids);
    for (const item of listed) expect(item.users).toHaveLength(2_500);
  });

  it('an entry larger than the bound is a page of its own, between pages of the others', async () => {
    const tenant = await seeded(302);
    // Oldest first: small, small, one of about 3.3 million characters of users, small, small.
    const ids = await writeEntries(tenant.id, [200, 200, 21_000, 200, 200]);

    const pages = await allPages(tenant, `${BASE}?$top=500`);

    expect(pages.map(({ page }) => page.value.map((item) => item.id))).toEqual([
      ids.slice(0, 2),
      [ids[2]],
      ids.slice(3),
    ]);
    expect(pages[1]!.page.value[0]!.users).toHaveLength(21_000);
    expect(userChars(pages[1]!.page.value[0]!)).toBeGreaterThan(PAGE_USER_CHARS);
  });

  it('$select without users reads no pieces and is not cut by the users bound', async () => {
    const tenant = await seeded(303);
    const ids = await writeEntries(
      tenant.id,
      Array.from({ length: 10 }, () => 2_500),
    );

    storageMetrics.reset();
    const page = await listNotifications({ tenant, url: `${BASE}?$top=500&$select=id,type,outcome` });

    expect(storageMetrics.tableRequests).toBe(1);
    expect(page.value.map((item) => item.id)).toEqual(ids);
    expect(page.value[0]).toEqual({ id: ids[0], type: 'usersAtRisk', outcome: 'sent' });
    expect(page['@odata.nextLink']).toBeUndefined();
  });

  it('$filter with the bound: the nextLink keeps the filter and yields every match once', async () => {
    const tenant = await seeded(305);
    const ids = await writeEntries(
      tenant.id,
      Array.from({ length: 12 }, () => 2_500),
    );
    // Entries 1, 3, 5, ... failed (rewritten with the same users, as the sender records an outcome).
    for (const [i, id] of [...ids].reverse().entries()) {
      if (i % 2 === 0) continue;
      const dateTime = new Date(Date.UTC(2026, 10, 20, 8, i)).toISOString();
      await putNotification(tenant.id, notificationKey(dateTime, id), {
        id,
        type: 'usersAtRisk',
        dateTime,
        recipients: ['secadmin@example.com'],
        users: usersOf(i, 2_500),
        outcome: 'failed',
        reason: 'refused',
      });
    }

    const pages = await allPages(tenant, `${BASE}?$top=500&$filter=outcome eq 'sent'`);

    expect(pages.length).toBeGreaterThan(1);
    const listed = pages.flatMap(({ page }) => page.value);
    expect(listed.map((item) => item.id)).toEqual(ids.filter((_, i) => i % 2 === 1));
    expect(listed.every((item) => item.outcome === 'sent')).toBe(true);
  });

  it('a nextLink of one tenant is refused for another (R-A1)', async () => {
    const [a, b] = [await seeded(306), await seeded(307)];
    await writeEntries(
      a.id,
      Array.from({ length: 10 }, () => 2_500),
    );
    const first = await listNotifications({ tenant: a, url: `${BASE}?$top=500` });
    const next = first['@odata.nextLink']!;
    expect(next).toBeDefined();

    await expect(listNotifications({ tenant: b, url: next })).rejects.toThrow('Invalid $skiptoken');
  });

  it('small entries with the default $top: pages of 20, the nextLink continues after the last one', async () => {
    const tenant = await seeded(304);
    const ids = await writeEntries(
      tenant.id,
      Array.from({ length: 25 }, () => 3),
    );

    const pages = await allPages(tenant, BASE);

    expect(pages.map(({ page }) => page.value.length)).toEqual([20, 5]);
    expect(pages.flatMap(({ page }) => page.value.map((item) => item.id))).toEqual(ids);
    expect(pages.map(({ roundTrips }) => roundTrips)).toEqual([1, 1]);
  });
});

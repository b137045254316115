import { describe, expect, it } from 'vitest';
import {
  allTableNames,
  bucketOf,
  keys,
  partitions,
  tableNames,
  tableOf,
  USER_BUCKETS,
} from '../../../shared/storage/keys';

describe('user partitions', () => {
  const guid = (n: number) =>
    `${n.toString(16).padStart(8, '0')}-1111-4222-8333-${(n * 7919).toString(16).padStart(12, '0')}`;

  it('a user is always in the same one of the 16, named by one hex digit', () => {
    const id = guid(42);
    expect(bucketOf(id)).toMatch(/^[0-9a-f]$/);
    expect(partitions.users('t1', id)).toBe(`t1|u|${bucketOf(id)}`);
    expect(partitions.userBuckets('t1')).toContain(partitions.users('t1', id));
  });

  it('lists every user partition once, in key order, inside the tenant (never a facts or index partition)', () => {
    const all = partitions.userBuckets('t1');
    expect(all).toHaveLength(USER_BUCKETS);
    expect(new Set(all).size).toBe(USER_BUCKETS);
    expect(all).toEqual([...all].sort());
    for (const pk of all) {
      expect(pk.startsWith('t1|u|')).toBe(true);
      expect(pk).not.toBe(partitions.index('t1'));
      const facts = partitions.factsRange('t1');
      expect(pk >= facts.from && pk < facts.to).toBe(false);
    }
  });

  it('spreads ids that differ in one character only', () => {
    const ids = Array.from(
      { length: 12 },
      (_, i) => `00032${String(i + 3).padStart(3, '0')}-1111-4222-8333-000000000000`,
    );
    expect(new Set(ids.map(bucketOf)).size).toBeGreaterThan(6);
  });

  it('spreads ids evenly, also sequential ones', () => {
    const counts = new Map<string, number>();
    for (let n = 0; n < 1600; n += 1) counts.set(bucketOf(guid(n)), (counts.get(bucketOf(guid(n))) ?? 0) + 1);
    expect(counts.size).toBe(USER_BUCKETS);
    // 100 expected per partition; a fair hash stays well inside this.
    for (const count of counts.values()) expect(count).toBeGreaterThan(50);
    for (const count of counts.values()) expect(count).toBeLessThan(150);
  });
});

describe('tables', () => {
  const tenant = '8c2b1a6e-4f3d-4e21-9a7b-1f2e3d4c5b6a';
  const user = '00000042-1111-4222-8333-000000000abc';

  it('each kind of partition has its table: the tenant and registry, facts, index, and each user bucket its own', () => {
    expect(tableOf(partitions.tenant(tenant))).toBe(tableNames.main);
    expect(tableOf(keys.tenantRegistryPartition)).toBe(tableNames.main);
    expect(tableOf(partitions.facts(tenant, user))).toBe(tableNames.facts);
    expect(tableOf(partitions.facts(tenant, 'id|with|bars'))).toBe(tableNames.facts);
    expect(tableOf(partitions.index(tenant))).toBe(tableNames.index);
    expect(tableOf(partitions.users(tenant, user))).toBe(tableNames.users(bucketOf(user)));
    expect(partitions.userBuckets(tenant).map(tableOf)).toEqual(
      Array.from({ length: USER_BUCKETS }, (_, i) => `riskloopusers${i.toString(16)}`),
    );
  });

  it('the facts range of a tenant (listing every detection) stays in one table', () => {
    const range = partitions.factsRange(tenant);
    expect(tableOf(range.from)).toBe(tableNames.facts);
    expect(tableOf(partitions.facts(tenant, user)) === tableOf(range.from)).toBe(true);
  });

  it('every table is created, with a valid Table Storage name, and none twice', () => {
    const names = allTableNames();
    expect(names).toHaveLength(3 + USER_BUCKETS);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[A-Za-z][A-Za-z0-9]{2,62}$/);
    for (const pk of [
      tenant,
      partitions.facts(tenant, user),
      partitions.index(tenant),
      ...partitions.userBuckets(tenant),
    ])
      expect(names).toContain(tableOf(pk));
  });

  it('refuses a partition key of no known kind instead of guessing its table', () => {
    expect(() => tableOf(`${tenant}|q`)).toThrow(/no table holds partition/);
    expect(() => tableOf(`${tenant}|u|g`)).toThrow(/no table holds partition/);
  });
});

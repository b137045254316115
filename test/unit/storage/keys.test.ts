import { describe, expect, it } from 'vitest';
import { bucketOf, partitions, USER_BUCKETS } from '../../../shared/storage/keys';

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

import type { TableClient } from '@azure/data-tables';

export interface PageResult<T> {
  items: T[];
  /** Where the next page starts, as @azure/data-tables' continuation token; undefined at the end. */
  continuationToken: string | undefined;
}

/** Storage pages one request may read while looking for matches: bounds the cost of a very selective filter. */
const MAX_STORAGE_PAGES = 10;

/**
 * Reads up to `limit` matching items by following storage continuation tokens — never by
 * reading everything and slicing. Each storage page asks only for the rows still needed,
 * so a page boundary is always a continuation boundary. Rows `keep` rejects (the
 * post-filter) cost a read but are not returned; after {@link MAX_STORAGE_PAGES} the
 * page is returned short, with a continuation, as Graph itself does.
 */
export async function readPage<T>(
  table: TableClient,
  filter: string,
  limit: number,
  continuationToken: string | undefined,
  keep: (row: Record<string, unknown>) => T | undefined,
): Promise<PageResult<T>> {
  const items: T[] = [];
  let token = continuationToken;
  for (let pages = 0; pages < MAX_STORAGE_PAGES && items.length < limit; pages += 1) {
    const iterator = table
      .listEntities<Record<string, unknown>>({ queryOptions: { filter } })
      .byPage({ maxPageSize: limit - items.length, ...(token ? { continuationToken: token } : {}) });
    const next = await iterator.next();
    if (next.done) {
      token = undefined;
      break;
    }
    for (const row of next.value) {
      const item = keep(row);
      if (item !== undefined) items.push(item);
    }
    token = next.value.continuationToken;
    if (!token) break;
  }
  return { items, continuationToken: token };
}

/**
 * Whether a continuation's (service-encoded) partition key is one of the tenant's
 * partitions (`{tenantId}` or `{tenantId}|…`). Azurite sends the key base64-encoded, Azure
 * as `1!<length>!<base64>`. The query's own `PartitionKey` bounds are the real guard;
 * this refuses tampered tokens early (R-A1).
 */
export function isContinuationOfTenant(encoded: string, tenantId: string): boolean {
  const payload = /^1!\d+!(.+)$/.exec(encoded)?.[1] ?? encoded;
  const candidates = [encoded, Buffer.from(payload, 'base64').toString('utf8')];
  return candidates.some((pk) => pk === tenantId || pk.startsWith(`${tenantId}|`));
}

import { odata, type TableClient } from '@azure/data-tables';
import type { Tables } from './clients';

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

/** Where a merged list resumes: the RowKey of the first row not yet returned, in every partition. */
export interface MergedContinuation {
  nextPartitionKey: string;
  nextRowKey: string;
}

/** A page cut by its items' total weight as well as by their count (see {@link readMergedPage}). */
export interface PageBound {
  /** The weight of the item a row gives, read from the row alone. */
  weightOf: (row: Record<string, unknown>) => number;
  /** The most a page's items may weigh together; the first item is taken whatever it weighs. */
  max: number;
}

/**
 * One page of the same RowKey range of one or several partitions, merged by RowKey: the
 * order a single partition holding all those rows would give. Each partition is read a page
 * at a time (one row more than the page takes per request, all partitions in parallel, so
 * the next page's first RowKey is known without another round trip): the cost follows the
 * page, not the list. Resumes at `resumeAt` (inclusive). A page ends at `limit` items, or
 * with `bound` before the item that would take their weight past `bound.max`. Stops, like
 * {@link readPage}, after {@link MAX_STORAGE_PAGES} storage pages beyond each partition's
 * first, returning a short page (rows the post-filter `keep` rejects cost reads); a page
 * always takes at least one row, so a client following nextLinks always moves on. The
 * continuation is the next RowKey; its partition is `continuationPartition`, one of the
 * tenant's, so the skiptoken's tenant check holds (the RowKey alone says where to resume).
 */
export async function readMergedPage<T>(
  tables: Tables,
  partitionKeys: readonly string[],
  range: { from: string; to: string },
  extraFilter: string | undefined,
  limit: number,
  resumeAt: string | undefined,
  continuationPartition: string,
  keep: (row: Record<string, unknown>) => T | undefined,
  bound?: PageBound,
): Promise<{ items: T[]; continuation: MergedContinuation | undefined }> {
  const from = resumeAt && resumeAt > range.from ? resumeAt : range.from;
  const filterOf = (pk: string): string => {
    const keyRange = odata`PartitionKey eq ${pk} and RowKey ge ${from} and RowKey lt ${range.to}`;
    return extraFilter ? `${keyRange} and (${extraFilter})` : keyRange;
  };
  interface Stream {
    /** Rows read and not yet merged, in RowKey order. */
    rows: Array<Record<string, unknown> & { rowKey: string }>;
    /** The partition's next storage pages; undefined once it is exhausted. */
    pages: AsyncIterator<Array<Record<string, unknown>>> | undefined;
  }
  // Storage pages read: the first of each partition, then at most MAX_STORAGE_PAGES more.
  let pagesRead = 0;
  const budget = partitionKeys.length + MAX_STORAGE_PAGES;
  const refill = async (stream: Stream): Promise<void> => {
    while (stream.rows.length === 0 && stream.pages) {
      const next = await stream.pages.next();
      if (next.done) {
        stream.pages = undefined;
      } else {
        pagesRead += 1;
        stream.rows.push(...(next.value as Stream['rows']));
      }
    }
  };
  const streams: Stream[] = partitionKeys.map((pk) => ({
    rows: [],
    pages: tables
      .of(pk)
      .listEntities<Record<string, unknown>>({ queryOptions: { filter: filterOf(pk) } })
      .byPage({ maxPageSize: limit + 1 }),
  }));
  await Promise.all(streams.map(refill));
  const items: T[] = [];
  let taken = 0;
  let weight = 0;
  const endBefore = (rowKey: string) => ({
    items,
    continuation: { nextPartitionKey: continuationPartition, nextRowKey: rowKey },
  });
  for (;;) {
    let head: Stream | undefined;
    for (const s of streams)
      if (s.rows.length > 0 && (!head || s.rows[0]!.rowKey < head.rows[0]!.rowKey)) head = s;
    if (!head) return { items, continuation: undefined };
    const row = head.rows[0]!;
    // Over budget, a page ends short, but never before taking a row.
    if (items.length >= limit || (pagesRead >= budget && taken > 0)) return endBefore(row.rowKey);
    const item = keep(row);
    const rowWeight = item === undefined || !bound ? 0 : bound.weightOf(row);
    if (bound && items.length > 0 && weight + rowWeight > bound.max) return endBefore(row.rowKey);
    head.rows.shift();
    taken += 1;
    if (item !== undefined) {
      items.push(item);
      weight += rowWeight;
    }
    if (head.rows.length === 0 && head.pages) await refill(head);
  }
}

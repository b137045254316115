import { randomUUID } from 'node:crypto';
import { odata, type TableEntity, type TransactionAction } from '@azure/data-tables';
import type { Tables } from './clients';
import { isConflict, isNotFound, isPreconditionFailed } from './errors';

/** Largest batch Table Storage accepts in one transaction. */
export const MAX_BATCH = 100;

/** All rows of one partition whose RowKey lies in [from, to), optionally narrowed by a filter. */
export async function queryRange<T extends object>(
  tables: Tables,
  partitionKey: string,
  range: { from: string; to: string },
  extraFilter?: string,
  select?: string[],
): Promise<Array<T & { partitionKey: string; rowKey: string; etag: string }>> {
  let filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${range.from} and RowKey lt ${range.to}`;
  if (extraFilter) filter += ` and (${extraFilter})`;
  const rows: Array<T & { partitionKey: string; rowKey: string; etag: string }> = [];
  for await (const row of tables.of(partitionKey).listEntities<T>({
    queryOptions: { filter, ...(select ? { select } : {}) },
  })) {
    rows.push(row as T & { partitionKey: string; rowKey: string; etag: string });
  }
  return rows;
}

/** One entity, or undefined when it does not exist. */
export async function getOptional<T extends object>(
  tables: Tables,
  partitionKey: string,
  rowKey: string,
): Promise<(T & { etag: string }) | undefined> {
  try {
    return await tables.of(partitionKey).getEntity<T>(partitionKey, rowKey);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Point reads in flight at once for {@link getMany} and {@link getManyAcross}. */
const POINT_READ_CONCURRENCY = 16;

/**
 * Point-reads many RowKeys of one partition, a bounded number at a time. Point reads, not
 * one filter of `RowKey eq … or RowKey eq …`: Table Storage answers such a filter with a
 * scan of the whole partition (an `or` is not a key lookup), so its cost would grow with
 * the partition instead of with the number of keys.
 */
export async function getMany<T extends object>(
  tables: Tables,
  partitionKey: string,
  rowKeys: readonly string[],
): Promise<Map<string, T & { rowKey: string; etag: string }>> {
  return getManyAcross<T>(
    tables,
    rowKeys.map((rowKey) => ({ partitionKey, rowKey })),
  );
}

/** {@link queryRange} over several partitions (read in parallel), merged by RowKey as one partition would list them. */
export async function queryRanges<T extends object>(
  tables: Tables,
  partitionKeys: readonly string[],
  range: { from: string; to: string },
): Promise<Array<T & { partitionKey: string; rowKey: string; etag: string }>> {
  const parts = await Promise.all(partitionKeys.map((pk) => queryRange<T>(tables, pk, range)));
  return parts.flat().sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0));
}

/** {@link getMany} for keys spread over partitions: one point read per key; the result is keyed by RowKey (unique across them). */
export async function getManyAcross<T extends object>(
  tables: Tables,
  rows: ReadonlyArray<{ partitionKey: string; rowKey: string }>,
): Promise<Map<string, T & { rowKey: string; etag: string }>> {
  const unique = [...new Map(rows.map((r) => [`${r.partitionKey}\n${r.rowKey}`, r])).values()];
  const found = await inParallel(unique, POINT_READ_CONCURRENCY, (r) =>
    getOptional<T & { rowKey: string }>(tables, r.partitionKey, r.rowKey),
  );
  const result = new Map<string, T & { rowKey: string; etag: string }>();
  for (const row of found) if (row) result.set(row.rowKey, row);
  return result;
}

/** Groups of rows possibly in different partitions: each partition's groups go through {@link submitGroups}. */
export async function submitGroupsByPartition(
  tables: Tables,
  groups: ReadonlyArray<ReadonlyArray<TransactionAction>>,
): Promise<number> {
  const byPartition = new Map<string, Array<ReadonlyArray<TransactionAction>>>();
  for (const group of groups) {
    const pk = group[0] ? partitionOf(group[0]) : '';
    if (group.some((action) => partitionOf(action) !== pk))
      throw new Error('a group of rows spans partitions: it cannot be one transaction');
    byPartition.set(pk, [...(byPartition.get(pk) ?? []), group]);
  }
  const sent = await inParallel([...byPartition.values()], 4, (g) => submitGroups(tables, g));
  return sent.reduce((sum, n) => sum + n, 0);
}

/**
 * Submits actions of one partition in transactions of at most 100. Groups are never
 * split across transactions, so rows that must change together do. Returns the number of
 * transactions sent.
 */
export async function submitGroups(
  tables: Tables,
  groups: ReadonlyArray<ReadonlyArray<TransactionAction>>,
): Promise<number> {
  let batch: TransactionAction[] = [];
  let sent = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await tables.of(partitionOf(batch[0]!)).submitTransaction(batch);
    sent += 1;
    batch = [];
  };
  for (const group of groups) {
    if (group.length > MAX_BATCH) throw new Error(`a group of ${group.length} rows exceeds one transaction`);
    if (batch.length + group.length > MAX_BATCH) await flush();
    batch.push(...group);
  }
  await flush();
  return sent;
}

function partitionOf(action: TransactionAction): string {
  return (action[1] as { partitionKey?: string }).partitionKey ?? '';
}

export type Entity = TableEntity<Record<string, string | number | boolean>>;

/** Upserts one row into the table that holds its partition. */
export async function upsertRow(
  tables: Tables,
  entity: Entity,
  mode: 'Replace' | 'Merge' = 'Replace',
): Promise<void> {
  await tables.of(entity.partitionKey).upsertEntity(entity, mode);
}

/**
 * Optimistic write of a single-row state machine (alert window, digest claim, settings):
 * replaces the row only if it still has `previousEtag`, or creates it when there was none.
 * Returns the row's new ETag, or undefined when someone else changed (or created) it first.
 *
 * Storage may commit a write and lose its answer; the client's own retry then fails on the
 * row its first attempt wrote (409/412). Each write therefore carries a new `writeId`, and a
 * refused write re-reads the row: holding this `writeId`, the row is this write's. Taking
 * it for someone else's would drop the alert or the digest whose claim it won.
 */
export async function replaceIfUnchanged(
  tables: Tables,
  entity: Entity,
  previousEtag: string | undefined,
): Promise<string | undefined> {
  const stamped = { ...entity, writeId: randomUUID() };
  try {
    const written = previousEtag
      ? await tables.of(entity.partitionKey).updateEntity(stamped, 'Replace', { etag: previousEtag })
      : await tables.of(entity.partitionKey).createEntity(stamped);
    if (!written.etag) throw new Error('Table Storage answered a write without an ETag');
    return written.etag;
  } catch (error) {
    if (!(isConflict(error) || isPreconditionFailed(error) || isNotFound(error))) throw error;
    const stored = await getOptional<{ writeId?: string }>(tables, entity.partitionKey, entity.rowKey);
    return stored?.writeId === stamped.writeId ? stored.etag : undefined;
  }
}

/** A row's fields without the ETag read with it (callers often spread a read row into the next state). */
export function withoutEtag<T extends object>(row: T): Omit<T, 'etag'> {
  const { etag: _etag, ...fields } = row as T & { etag?: unknown };
  return fields;
}

/** Maps `items` with at most `limit` calls in flight, keeping the order of the results. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Deletes rows of one partition, in transactions of {@link MAX_BATCH}. A row already gone
 * (a retry) must not fail the others: a transaction that meets one deletes row by row.
 */
export async function deleteRows(
  tables: Tables,
  partitionKey: string,
  rowKeys: readonly string[],
): Promise<void> {
  for (let i = 0; i < rowKeys.length; i += MAX_BATCH) {
    const chunk = rowKeys.slice(i, i + MAX_BATCH);
    try {
      await submitGroups(tables, [
        chunk.map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]),
      ]);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await Promise.all(
        chunk.map(async (rowKey) => {
          try {
            await tables.of(partitionKey).deleteEntity(partitionKey, rowKey);
          } catch (e) {
            if (!isNotFound(e)) throw e;
          }
        }),
      );
    }
  }
}

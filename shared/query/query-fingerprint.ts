import { createHash } from 'node:crypto';
import type { FilterNode } from './filter-ast';
import { formatFilter } from './filter-format';
import type { OrderBy } from './order-by';

export interface FingerprintedOptions {
  readonly filter?: FilterNode;
  readonly select?: readonly string[];
  readonly top: number;
  readonly orderBy?: OrderBy;
}

/**
 * A short digest of the normalised query options of one entity set. A `$skiptoken` carries
 * it so that a continuation is only ever resumed by the query that produced it; spelling
 * differences (case, enum literal form, `$select` order) do not change it.
 */
export function queryFingerprint(entitySetName: string, options: FingerprintedOptions): string {
  const canonical = JSON.stringify([
    entitySetName,
    options.filter === undefined ? null : formatFilter(options.filter),
    options.select === undefined ? null : [...options.select].sort(),
    options.top,
    options.orderBy === undefined ? null : `${options.orderBy.property} ${options.orderBy.direction}`,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}

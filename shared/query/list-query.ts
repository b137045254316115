import { badRequest, type AppError } from '../errors';
import type { EntitySet } from './entity-set';
import type { FilterNode } from './filter-ast';
import { quoteForMessage } from './filter-error';
import { parseFilter } from './filter-parser';
import { parseOrderBy, type OrderBy } from './order-by';
import { queryFingerprint } from './query-fingerprint';
import { parseSelect } from './select';
import { decodeSkipToken, type DecodedSkipToken } from './skip-token';
import { parseTop } from './top';

/** The validated query options of one list request. */
export interface ListQuery {
  readonly filter?: FilterNode;
  readonly select?: readonly string[];
  readonly top: number;
  readonly orderBy?: OrderBy;
  readonly skipToken?: DecodedSkipToken;
  /** Pass to `encodeSkipToken` when building this response's nextLink. */
  readonly fingerprint: string;
}

export interface ListQueryOptions {
  /** See `SkipTokenExpectation.isTenantPartitionKey`; defaults to equality with the tenant id. */
  readonly isTenantPartitionKey?: (partitionKey: string) => boolean;
}

type SupportedOption = '$filter' | '$select' | '$top' | '$orderby' | '$skiptoken';
const supportedOptions = new Set<string>(['$filter', '$select', '$top', '$orderby', '$skiptoken']);

/**
 * OData system query options that may also be sent without their `$` (OData 4.01, Graph beta
 * and part of Graph v1.0): `filter=…` is `$filter=…`. Honouring them, rather than ignoring
 * them as unknown parameters, keeps a script that sends `filter=` from getting (and acting
 * on) every row instead of the ones it asked for.
 */
const prefixOptional = new Set([
  'filter',
  'select',
  'top',
  'orderby',
  'skiptoken',
  'skip',
  'count',
  'expand',
  'search',
  'format',
]);

/** The query option a parameter name is (`$filter`), or undefined for other parameters. */
export function queryOptionOf(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower.startsWith('$')) return lower;
  return prefixOptional.has(lower) ? `$${lower}` : undefined;
}

/**
 * The one entry point for list routes: validates every query option against the entity
 * set (SPEC §7) and decodes `$skiptoken` for the caller's tenant. Option names match
 * case-insensitively, with or without their `$` ({@link queryOptionOf}); unsupported
 * (`$expand`, `$search`, `$count`, …) and repeated options are 400s naming them. Other
 * parameters (e.g. the Functions `code` key) are ignored.
 * Values must already be decoded (`URLSearchParams` does that; see `decodeQueryValue`).
 */
export function parseListQuery(
  params: URLSearchParams | Readonly<Record<string, string | undefined>>,
  entitySet: EntitySet,
  tenantId: string,
  options: ListQueryOptions = {},
): ListQuery {
  const raw = collectOptions(params, entitySet);
  const filter = raw.$filter === undefined ? undefined : parseFilter(raw.$filter, entitySet);
  const select = raw.$select === undefined ? undefined : parseSelect(raw.$select, entitySet);
  const top = raw.$top === undefined ? entitySet.top.default : parseTop(raw.$top, entitySet);
  const orderBy = raw.$orderby === undefined ? undefined : parseOrderBy(raw.$orderby, entitySet);
  const fingerprint = queryFingerprint(entitySet.name, { filter, select, top, orderBy });
  const skipToken =
    raw.$skiptoken === undefined
      ? undefined
      : decodeSkipToken(raw.$skiptoken, {
          tenantId,
          queryFingerprint: fingerprint,
          ...(options.isTenantPartitionKey && { isTenantPartitionKey: options.isTenantPartitionKey }),
        });
  return {
    ...(filter && { filter }),
    ...(select && { select }),
    top,
    ...(orderBy && { orderBy }),
    ...(skipToken && { skipToken }),
    fingerprint,
  };
}

/**
 * `$select` of a single-entity route (GET …/{id}): SPEC §7 honours it there as on lists, and
 * validates it the same way. `$expand` is a 400 naming it, as on lists: ignoring it would
 * answer 200 without the navigation property the client asked for (`$expand=history`). Other
 * options are ignored there, as Graph ignores `$top` or `$filter` on one entity.
 */
export function parseEntitySelect(
  params: URLSearchParams,
  entitySet: EntitySet,
): readonly string[] | undefined {
  const expand = [...params.keys()].find((name) => queryOptionOf(name) === '$expand');
  if (expand !== undefined) throw notSupported('Query option', expand, entitySet);
  const selects = [...params.entries()].filter(([name]) => queryOptionOf(name) === '$select');
  const raw = collectOptions(new URLSearchParams(selects), entitySet);
  return raw.$select === undefined ? undefined : parseSelect(raw.$select, entitySet);
}

/**
 * `$count` as a path segment (`riskyUsers/$count`, `…/history/$count`), as Graph SDKs send
 * their count calls (PowerShell `Get-MgRiskyUserCount`). riskloop does not take `$count`, so
 * this is a 400 naming it, worded as for the `$count` query option. Call it with the segment
 * as routing decoded it (`%24count` is `$count`); any case matches, as option names do.
 */
export function rejectCountSegment(segment: string, entitySet: EntitySet): void {
  const error = countSegmentError(segment, entitySet);
  if (error) throw error;
}

/** {@link rejectCountSegment}'s error, or undefined when `segment` is not `$count`. */
export function countSegmentError(segment: string, entitySet: EntitySet): AppError | undefined {
  return segment.toLowerCase() === '$count' ? notSupported('Path segment', segment, entitySet) : undefined;
}

// The one wording for what riskloop does not take: a query option, or a path segment such as `$count`.
function notSupported(what: 'Query option' | 'Path segment', name: string, entitySet: EntitySet): AppError {
  return badRequest(`${what} ${quoteForMessage(name)} is not supported on ${entitySet.name}`);
}

function collectOptions(
  params: URLSearchParams | Readonly<Record<string, string | undefined>>,
  entitySet: EntitySet,
): Partial<Record<SupportedOption, string>> {
  const entries =
    params instanceof URLSearchParams
      ? [...params.entries()]
      : Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const options: Partial<Record<SupportedOption, string>> = {};
  for (const [name, value] of entries) {
    const option = queryOptionOf(name);
    if (option === undefined) continue;
    if (!isSupported(option)) throw notSupported('Query option', name, entitySet);
    if (options[option] !== undefined) throw badRequest(`Query option '${option}' is given more than once`);
    options[option] = value;
  }
  return options;
}

function isSupported(option: string): option is SupportedOption {
  return supportedOptions.has(option);
}

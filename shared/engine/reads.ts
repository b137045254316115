import { odata } from '@azure/data-tables';
import { z } from 'zod';
import { isLicensed } from '../domain/tenant';
import { DetectionId, ExternalId, Guid } from '../domain/ids';
import { badRequest, notFound } from '../errors';
import {
  applySelect,
  buildNextLink,
  compileToTableFilter,
  encodeSkipToken,
  evaluateFilter,
  parseEntitySelect,
  parseListQuery,
  rejectCountSegment,
  historyQuery,
  notificationsQuery,
  riskDetectionsQuery,
  riskyUsersQuery,
  selectContextSuffix,
  signInsQuery,
  simplifyFilter,
  type EntitySet,
  type FilterNode,
  type ListQuery,
  type TableColumnMap,
} from '../query';
import { getStorage } from '../storage/clients';
import { DetectionRow, HistoryRow, PointerRow, SignInRow } from '../storage/entities';
import { keys, partitions } from '../storage/keys';
import {
  allUsers,
  morePieces,
  notificationOf,
  PAGE_USER_CHARS,
  userCharsOf,
  type Notification,
} from '../storage/notification-store';
import {
  isContinuationOfTenant,
  readMergedPage,
  readPage,
  type MergedContinuation,
  type PageBound,
} from '../storage/paging';
import type { RiskyUserProjection } from '../storage/projection';
import { getManyAcross, getOptional } from '../storage/table';
import type { Tenant } from '../storage/tenant-store';
import { historyItemOf, riskDetectionOf, riskyUserOf, signInOf } from './graph-shapes';

export interface ReadRequest {
  tenant: Tenant;
  /** The absolute request URL: nextLink and @odata.context derive from it. */
  url: string;
}

export interface GraphCollection {
  '@odata.context': string;
  value: Array<Record<string, unknown>>;
  '@odata.nextLink'?: string;
}

const riskyUserColumns: TableColumnMap = {
  id: { column: 'userId', storedAs: 'lowercaseString' },
  riskLevel: { column: 'riskLevel', storedAs: 'enumString' },
  riskState: { column: 'riskState', storedAs: 'enumString' },
  riskDetail: { column: 'riskDetail', storedAs: 'enumString' },
  isProcessing: { column: 'isProcessing', storedAs: 'boolean' },
  userPrincipalName: { column: 'userPrincipalNameLower', storedAs: 'lowercaseString' },
  riskLastUpdatedDateTime: { column: 'riskLastUpdatedDateTime', storedAs: 'isoString' },
};

// riskEventType is never pushed down: what a tenant may match depends on masking (R-L2).
const detectionColumns: TableColumnMap = {
  userId: { column: 'userId', storedAs: 'lowercaseString' },
  riskLevel: { column: 'riskLevel', storedAs: 'enumString' },
  riskState: { column: 'riskState', storedAs: 'enumString' },
  detectionTimingType: { column: 'detectionTimingType', storedAs: 'enumString' },
  activity: { column: 'activity', storedAs: 'enumString' },
  activityDateTime: { column: 'activityDateTime', storedAs: 'isoString' },
  detectedDateTime: { column: 'detectedDateTime', storedAs: 'isoString' },
};

const signInColumns: TableColumnMap = {
  userId: { column: 'userId', storedAs: 'lowercaseString' },
  riskState: { column: 'riskState', storedAs: 'enumString' },
  riskLevelAggregated: { column: 'riskLevelAggregated', storedAs: 'enumString' },
  riskLevelDuringSignIn: { column: 'riskLevelDuringSignIn', storedAs: 'enumString' },
  createdDateTime: { column: 'createdDateTime', storedAs: 'isoString' },
};

const notificationColumns: TableColumnMap = {
  type: { column: 'type', storedAs: 'enumString' },
  outcome: { column: 'outcome', storedAs: 'enumString' },
  dateTime: { column: 'dateTime', storedAs: 'isoString' },
};

/**
 * The alert and digest log, newest first (SPEC §7). A burst's entry names thousands of users,
 * so a page ends early once its users would pass {@link PAGE_USER_CHARS} (its nextLink goes on
 * with the next entry), and only the page's entries have their pieces read; a `$select`
 * without `users` reads no pieces and is cut by `$top` alone.
 */
export function listNotifications(req: ReadRequest): Promise<GraphCollection> {
  return listCollection(req, notificationsQuery, 'riskloop/notifications', (query) => {
    const pushed =
      query.filter && compileToTableFilter(query.filter, notificationColumns, { maxComparisons: 10 });
    const withUsers = query.select === undefined || query.select.includes('users');
    // Entries whose users continue in piece rows (a burst's alert), with their row keys.
    const continued = new Map<Record<string, unknown>, string>();
    return {
      merged: {
        partitionKeys: [req.tenant.id],
        range: keys.notificationsRange,
        filter: rowsOf('notification', pushed),
        // Without users a page weighs nothing: `$top` alone cuts it.
        ...(withUsers ? { bound: { weightOf: userCharsOf, max: PAGE_USER_CHARS } } : {}),
      },
      toEntity: (row) => {
        const entity = { ...notificationOf(row) };
        if (withUsers && morePieces(row)) continued.set(entity, String(row.rowKey));
        return entity;
      },
      enrich: async (items) => {
        await Promise.all(
          items.map(async (item) => {
            const rowKey = continued.get(item);
            if (rowKey !== undefined)
              item.users = await allUsers(req.tenant.id, rowKey, item.users as Notification['users']);
          }),
        );
      },
    };
  });
}

/** One Table Storage query: its filter, and a partition it reads (all of them are in one table). */
interface TableQuery {
  partitionKey: string;
  filter: string;
}

/**
 * Partition (or range of partitions), RowKey range, row type and pushed-down filter → one
 * Table Storage query.
 */
function tableFilter(
  partition: string | { from: string; to: string },
  range: { from: string; to: string } | undefined,
  rowType: string,
  pushed: string | undefined,
): TableQuery {
  const keyFilter = [
    typeof partition === 'string'
      ? odata`PartitionKey eq ${partition}`
      : odata`PartitionKey ge ${partition.from} and PartitionKey lt ${partition.to}`,
    ...(range ? [odata`RowKey ge ${range.from} and RowKey lt ${range.to}`] : []),
  ].join(' and ');
  return {
    partitionKey: typeof partition === 'string' ? partition : partition.from,
    filter: `${keyFilter} and ${rowsOf(rowType, pushed)}`,
  };
}

/** Rows of one type, narrowed by a pushed-down filter. */
function rowsOf(rowType: string, pushed: string | undefined): string {
  const base = odata`rowType eq ${rowType}`;
  return pushed ? `${base} and (${pushed})` : base;
}

/**
 * Detections or sign-ins: one user's range of its facts partition when the filter names the
 * user, otherwise every facts partition of the tenant.
 */
function factsFilter(
  tenantId: string,
  userId: string | undefined,
  rowType: 'detection' | 'signIn',
  pushed: string | undefined,
): TableQuery {
  if (!userId) return tableFilter(partitions.factsRange(tenantId), undefined, rowType, pushed);
  const range = rowType === 'detection' ? keys.userDetectionsRange(userId) : keys.userSignInsRange(userId);
  return tableFilter(partitions.facts(tenantId, userId), range, rowType, pushed);
}

/** A `property eq value` every match must satisfy (a top-level comparison or `and` operand), or undefined. */
function requiredValue(filter: FilterNode | undefined, property: string): string | undefined {
  if (!filter) return undefined;
  const candidates =
    filter.kind === 'comparison'
      ? [filter]
      : filter.kind === 'and'
        ? filter.operands.flatMap((o) => (o.kind === 'comparison' ? [o] : []))
        : [];
  const hit = candidates.find((c) => c.property === property && c.operator === 'eq');
  if (!hit) return undefined;
  return hit.literal.type === 'enum' || hit.literal.type === 'string' ? hit.literal.value : undefined;
}

/** A `userId eq '…'` that every match must satisfy narrows a scan to that user's rows. */
function requiredUserId(filter: FilterNode | undefined): string | undefined {
  const value = requiredValue(filter, 'userId')?.toLowerCase();
  return value && Guid.safeParse(value).success ? value : undefined;
}

/** Graph's `@odata.context` of a collection (an entity's adds `/$entity`), with the `$select` suffix. */
function odataContext(url: URL, contextPath: string, select: readonly string[] | undefined): string {
  return `${url.origin}/v1.0/$metadata#${contextPath}${selectContextSuffix(select)}`;
}

async function listCollection(
  req: ReadRequest,
  entitySet: EntitySet,
  contextPath: string,
  plan: (query: ListQuery) => {
    /** One query (a partition, or a range of partitions read in key order) ... */
    filter?: TableQuery;
    /**
     * ... or the same RowKey range of each of these partitions, merged by RowKey, resumed by
     * the next RowKey; `bound` also cuts a page by its items' weight.
     */
    merged?: {
      partitionKeys: readonly string[];
      range: { from: string; to: string };
      filter: string;
      bound?: PageBound;
    };
    toEntity: (row: Record<string, unknown>) => Record<string, unknown> | undefined;
    /** Fills in what the rows do not carry, once per page. */
    enrich?: (items: Array<Record<string, unknown>>) => Promise<void>;
  },
): Promise<GraphCollection> {
  const url = new URL(req.url);
  const query = parseListQuery(url.searchParams, entitySet, req.tenant.id, {
    isTenantPartitionKey: (encoded) => isContinuationOfTenant(encoded, req.tenant.id),
  });
  const simplified = query.filter && simplifyFilter(query.filter);
  if (simplified?.kind === 'constant' && !simplified.value) {
    // A filter nothing can match (e.g. `eq` an instant between two milliseconds): no reads.
    return { '@odata.context': odataContext(url, contextPath, query.select), value: [] };
  }
  const { filter, merged, toEntity, enrich } = plan(query);
  const keep = (row: Record<string, unknown>): Record<string, unknown> | undefined => {
    const entity = toEntity(row);
    if (!entity || (query.filter && !evaluateFilter(query.filter, entity))) return undefined;
    return entity;
  };
  const page: {
    items: Array<Record<string, unknown>>;
    continuationToken?: string | undefined;
    continuation?: MergedContinuation | undefined;
  } = merged
    ? await readMergedPage(
        getStorage().tables,
        merged.partitionKeys,
        merged.range,
        merged.filter,
        query.top,
        query.skipToken?.continuation?.nextRowKey,
        merged.partitionKeys[0]!,
        keep,
        merged.bound,
      )
    : await readPage(
        getStorage().tables.of(filter!.partitionKey),
        filter!.filter,
        query.top,
        query.skipToken?.tableContinuationToken,
        keep,
      );
  await enrich?.(page.items);
  const collection: GraphCollection = {
    '@odata.context': odataContext(url, contextPath, query.select),
    value: page.items.map((item) => applySelect(item, query.select) as Record<string, unknown>),
  };
  const continuation = page.continuation ?? page.continuationToken;
  if (continuation) {
    const token = encodeSkipToken({
      tenantId: req.tenant.id,
      queryFingerprint: query.fingerprint,
      continuation,
    });
    collection['@odata.nextLink'] = buildNextLink(req.url, token);
  }
  return collection;
}

function projectionOf(row: Record<string, unknown>): RiskyUserProjection {
  return z
    .object({
      userId: z.string(),
      userPrincipalName: z.string().default(''),
      userDisplayName: z.string().default(''),
      riskLevel: z.string(),
      riskState: z.string(),
      riskDetail: z.string(),
      riskLastUpdatedDateTime: z.string(),
      isProcessing: z.boolean().default(false),
    })
    .parse(row);
}

export function listRiskyUsers(req: ReadRequest): Promise<GraphCollection> {
  return listCollection(req, riskyUsersQuery, 'identityProtection/riskyUsers', (query) => {
    const level = requiredValue(query.filter, 'riskLevel');
    const range = query.orderBy
      ? query.orderBy.direction === 'asc'
        ? keys.riskyUsersAscendingRange
        : keys.riskyUsersDescendingRange
      : level
        ? keys.riskyUsersByLevelRange(level)
        : keys.riskyUsersRange;
    const pushed =
      query.filter && compileToTableFilter(query.filter, riskyUserColumns, { maxComparisons: 10 });
    return {
      merged: {
        partitionKeys: partitions.userBuckets(req.tenant.id),
        range,
        filter: rowsOf('riskyUser', pushed),
      },
      toEntity: (row) => riskyUserOf(projectionOf(row)),
    };
  });
}

export function listRiskDetections(req: ReadRequest): Promise<GraphCollection> {
  const licensed = isLicensed(req.tenant.license);
  return listCollection(req, riskDetectionsQuery, 'identityProtection/riskDetections', (query) => {
    const pushed =
      query.filter && compileToTableFilter(query.filter, detectionColumns, { maxComparisons: 10 });
    return {
      filter: factsFilter(req.tenant.id, requiredUserId(query.filter), 'detection', pushed),
      toEntity: (row) => riskDetectionOf(DetectionRow.parse(row), licensed),
      enrich: (items) => withUserNames(req.tenant.id, items),
    };
  });
}

export function listSignIns(req: ReadRequest): Promise<GraphCollection> {
  const licensed = isLicensed(req.tenant.license);
  return listCollection(req, signInsQuery, 'auditLogs/signIns', (query) => {
    const pushed = query.filter && compileToTableFilter(query.filter, signInColumns, { maxComparisons: 10 });
    return {
      filter: factsFilter(req.tenant.id, requiredUserId(query.filter), 'signIn', pushed),
      toEntity: (row) => signInOf(SignInRow.parse(row), licensed),
    };
  });
}

function parseId<T extends z.ZodType>(schema: T, id: string, what: string): z.infer<T> {
  const parsed = schema.safeParse(id);
  if (!parsed.success) throw badRequest(`Invalid ${what} id '${id.slice(0, 64)}'.`);
  return parsed.data;
}

/**
 * One entity as Graph answers it: `$select` honoured and validated (SPEC §7) before
 * anything is read, and `@odata.context` naming the entity (`…/$entity`).
 */
async function entityResponse(
  req: ReadRequest,
  entitySet: EntitySet,
  contextPath: string,
  read: () => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const url = new URL(req.url);
  const select = parseEntitySelect(url.searchParams, entitySet);
  const entity = await read();
  return {
    '@odata.context': `${odataContext(url, contextPath, select)}/$entity`,
    ...applySelect(entity, select),
  };
}

export async function getRiskyUser(req: ReadRequest, id: string): Promise<Record<string, unknown>> {
  // `riskyUsers/$count` reaches the `{id}` route: refuse it by name, not as an invalid id.
  rejectCountSegment(id, riskyUsersQuery);
  const userId = parseId(Guid, id, 'riskyUser');
  return entityResponse(req, riskyUsersQuery, 'identityProtection/riskyUsers', async () => {
    const row = await getOptional<Record<string, unknown>>(
      getStorage().tables,
      partitions.users(req.tenant.id, userId),
      keys.riskyUser(userId),
    );
    if (!row) throw notFound(`riskyUser '${userId}' not found.`);
    return riskyUserOf(projectionOf(row));
  });
}

export async function listRiskyUserHistory(req: ReadRequest, id: string): Promise<GraphCollection> {
  const userId = parseId(Guid, id, 'riskyUser');
  const row = await getOptional<Record<string, unknown>>(
    getStorage().tables,
    partitions.users(req.tenant.id, userId),
    keys.riskyUser(userId),
  );
  if (!row) throw notFound(`riskyUser '${userId}' not found.`);
  const user = projectionOf(row);
  const licensed = isLicensed(req.tenant.license);
  return listCollection(req, historyQuery, `identityProtection/riskyUsers('${userId}')/history`, () => ({
    filter: tableFilter(
      partitions.users(req.tenant.id, userId),
      keys.historyRange(userId),
      'history',
      undefined,
    ),
    toEntity: (r) => historyItemOf(HistoryRow.parse(r), user, licensed),
  }));
}

async function viaPointer(
  tenant: Tenant,
  pointerKey: string,
  rowKeyOf: (userId: string) => string,
): Promise<Record<string, unknown> | undefined> {
  const { tables } = getStorage();
  const pointer = await getOptional<Record<string, unknown>>(tables, partitions.index(tenant.id), pointerKey);
  if (!pointer) return undefined;
  const { userId } = PointerRow.parse(pointer);
  return getOptional<Record<string, unknown>>(tables, partitions.facts(tenant.id, userId), rowKeyOf(userId));
}

export async function getRiskDetection(req: ReadRequest, id: string): Promise<Record<string, unknown>> {
  rejectCountSegment(id, riskDetectionsQuery);
  const detectionId = parseId(DetectionId, id, 'riskDetection');
  const { tenant } = req;
  return entityResponse(req, riskDetectionsQuery, 'identityProtection/riskDetections', async () => {
    const row = await viaPointer(tenant, keys.detectionPointer(detectionId), (userId) =>
      keys.detection(userId, detectionId),
    );
    if (!row) throw notFound(`riskDetection '${detectionId}' not found.`);
    const detection = riskDetectionOf(DetectionRow.parse(row), isLicensed(tenant.license));
    await withUserNames(tenant.id, [detection]);
    return detection;
  });
}

/**
 * Detections are stored with the user's id only (ingestion knows no names); the names
 * come from the users' projections, one batched read per page.
 */
async function withUserNames(tenantId: string, items: Array<Record<string, unknown>>): Promise<void> {
  const unnamed = items.filter((d) => !d.userPrincipalName && typeof d.userId === 'string');
  if (unnamed.length === 0) return;
  const userIds = [...new Set(unnamed.map((d) => d.userId as string))];
  const rows = await getManyAcross<{ userPrincipalName?: string; userDisplayName?: string }>(
    getStorage().tables,
    userIds.map((u) => ({ partitionKey: partitions.users(tenantId, u), rowKey: keys.riskyUser(u) })),
  );
  for (const d of unnamed) {
    const user = rows.get(keys.riskyUser(d.userId as string));
    d.userPrincipalName = user?.userPrincipalName || null;
    d.userDisplayName = user?.userDisplayName || null;
  }
}

export async function getSignIn(req: ReadRequest, id: string): Promise<Record<string, unknown>> {
  rejectCountSegment(id, signInsQuery);
  const requestId = parseId(ExternalId, id, 'signIn');
  const { tenant } = req;
  return entityResponse(req, signInsQuery, 'auditLogs/signIns', async () => {
    const row = await viaPointer(tenant, keys.signInPointer(requestId), (userId) =>
      keys.signIn(userId, requestId),
    );
    if (!row) throw notFound(`signIn '${requestId}' not found.`);
    return signInOf(SignInRow.parse(row), isLicensed(tenant.license));
  });
}

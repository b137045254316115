import { z } from 'zod';
import { badRequest } from '../errors';
import { queryLimits } from './limits';

/** Where a Table Storage query resumes (the parts of the SDK's continuation token). */
export interface TableContinuation {
  readonly nextPartitionKey: string;
  readonly nextRowKey?: string;
}

export interface SkipTokenPayload {
  readonly tenantId: string;
  readonly queryFingerprint: string;
  /** A continuation, or the `@azure/data-tables` continuation token string carrying one. */
  readonly continuation?: TableContinuation | string;
  /** Items of the next page to skip (for pages cut short of a storage page, or in-memory paging). */
  readonly offset?: number;
}

export interface SkipTokenExpectation {
  /** The caller's tenant (`tid`, R-A1). */
  readonly tenantId: string;
  /** `queryFingerprint` of the current request's query options. */
  readonly queryFingerprint: string;
  /**
   * Whether a continuation's partition key lies inside the caller's tenant. Defaults to
   * equality with `tenantId`; pass a prefix check when a tenant spans several partitions.
   */
  readonly isTenantPartitionKey?: (partitionKey: string) => boolean;
}

export interface DecodedSkipToken {
  readonly continuation?: TableContinuation;
  /** The same continuation as the string `@azure/data-tables`' `byPage({ continuationToken })` takes. */
  readonly tableContinuationToken?: string;
  readonly offset?: number;
}

const maxOffset = 1_000_000;
const key = z.string().min(1).max(1024);

const tokenSchema = z
  .strictObject({
    v: z.literal(1),
    t: z.string().min(1).max(128),
    q: z.string().min(1).max(64),
    c: z.strictObject({ p: key, r: key.optional() }).optional(),
    o: z.number().int().min(1).max(maxOffset).optional(),
  })
  .refine((token) => token.c !== undefined || token.o !== undefined);

const sdkContinuationSchema = z.object({ nextPartitionKey: key, nextRowKey: key.optional() });

const base64url = /^[A-Za-z0-9_-]+$/;

/**
 * Encodes an opaque `$skiptoken`: base64url of `{v:1, t: tenant, q: fingerprint, c?: {p, r?}, o?}`.
 * Not signed — {@link decodeSkipToken} re-checks everything that matters instead. Throws a
 * plain Error (a programming error) when there is nothing to resume or the token would be
 * longer than the decoder accepts.
 */
export function encodeSkipToken(payload: SkipTokenPayload): string {
  const continuation =
    typeof payload.continuation === 'string'
      ? parseSdkContinuation(payload.continuation)
      : payload.continuation;
  if (typeof payload.continuation === 'string' && continuation === undefined) {
    throw new Error('encodeSkipToken: not an @azure/data-tables continuation token');
  }
  const offset = payload.offset === 0 ? undefined : payload.offset;
  const body = {
    v: 1,
    t: payload.tenantId,
    q: payload.queryFingerprint,
    ...(continuation && {
      c: { p: continuation.nextPartitionKey, ...(continuation.nextRowKey && { r: continuation.nextRowKey }) },
    }),
    ...(offset !== undefined && { o: offset }),
  };
  if (!tokenSchema.safeParse(body).success) throw new Error('encodeSkipToken: invalid payload');
  const token = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
  if (token.length > queryLimits.maxSkipTokenLength) throw new Error('encodeSkipToken: token too long');
  return token;
}

/**
 * Decodes a client's `$skiptoken` and checks that it was issued to this tenant for this
 * query, and that its continuation stays inside the tenant's partitions; anything else —
 * garbage, oversize, tampered — is a 400 "Invalid $skiptoken". This, not secrecy, is what
 * keeps a crafted token from moving a query into another tenant's partition (R-A1).
 */
export function decodeSkipToken(token: string, expected: SkipTokenExpectation): DecodedSkipToken {
  if (expected.tenantId === '') throw new Error('decodeSkipToken: tenantId must not be empty');
  const invalid = (reason = ''): Error => badRequest(`Invalid $skiptoken${reason}`);
  if (token.length > queryLimits.maxSkipTokenLength || !base64url.test(token)) throw invalid();

  // Only the exact encoding encodeSkipToken produces: a decoder that drops stray trailing
  // bits or characters would accept an altered token as the original.
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.toString('base64url') !== token) throw invalid();
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid();
  }
  const parsed = tokenSchema.safeParse(json);
  if (!parsed.success || parsed.data.t !== expected.tenantId) throw invalid();
  if (parsed.data.q !== expected.queryFingerprint) {
    throw invalid(': it was issued for different query options; keep those of the nextLink');
  }

  const isTenantPartitionKey = expected.isTenantPartitionKey ?? ((pk: string) => pk === expected.tenantId);
  const { c, o } = parsed.data;
  if (c !== undefined && !isTenantPartitionKey(c.p)) throw invalid();

  const continuation = c && { nextPartitionKey: c.p, ...(c.r !== undefined && { nextRowKey: c.r }) };
  return {
    ...(continuation && { continuation, tableContinuationToken: toSdkContinuation(continuation) }),
    ...(o !== undefined && { offset: o }),
  };
}

// @azure/data-tables' continuation token is base64 of {nextPartitionKey, nextRowKey?}.
function parseSdkContinuation(token: string): TableContinuation | undefined {
  try {
    const parsed = sdkContinuationSchema.safeParse(JSON.parse(Buffer.from(token, 'base64').toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function toSdkContinuation(continuation: TableContinuation): string {
  return Buffer.from(JSON.stringify(continuation), 'utf8').toString('base64');
}

import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import {
  authenticatorFromConfig,
  authorize,
  type Authenticator,
  type Operation,
  type Principal,
} from '../auth';
import { AppError, ensureError, unauthenticated } from '../errors';
import { isStorageUnavailable, storageUnavailable } from '../storage/errors';
import { ensureStorage } from '../storage/clients';
import { getTenant, type Tenant } from '../storage/tenant-store';
import { errorResponse } from './respond';

export interface RouteContext {
  request: HttpRequest;
  invocation: InvocationContext;
  principal: Principal;
  tenant: Tenant;
  requestId: string;
  /** The caller's own `client-request-id` (a GUID), when it sent one; it is also {@link requestId}. */
  clientRequestId: string | undefined;
  now: Date;
}

let authenticator: Authenticator | undefined;
function getAuthenticator(): Authenticator {
  authenticator ??= authenticatorFromConfig(async (tenantId) => (await getTenant(tenantId)) !== undefined);
  return authenticator;
}

/**
 * The caller's `client-request-id` when it is a GUID (Graph ignores any other). It is also
 * the request id; without it, a new one is made.
 */
function clientRequestIdOf(request: HttpRequest): string | undefined {
  const given = request.headers.get('client-request-id') ?? '';
  return /^[0-9a-fA-F-]{36}$/.test(given) ? given : undefined;
}

/** Maps anything thrown to a Graph error response; unknown errors are logged and answered as a bare 500. */
export function toErrorResponse(
  error: unknown,
  requestId: string,
  invocation: InvocationContext,
): HttpResponseInit {
  if (error instanceof AppError) return errorResponse(error, requestId);
  if (isStorageUnavailable(error)) {
    invocation.warn(`storage unavailable: ${ensureError(error).message}`);
    return errorResponse(storageUnavailable(), requestId);
  }
  const e = ensureError(error);
  invocation.error(`unhandled error (request-id ${requestId}): ${e.name}: ${e.message}`);
  return errorResponse(new AppError('internal', 'An unexpected error occurred.'), requestId);
}

/**
 * Wraps a route: authenticates (R-A1), resolves the caller's tenant (only onboarded
 * tenants have data; any other gets 401), authorises the operation (R-A3) and maps every
 * failure to Graph's error shape.
 */
export function authorizedRoute(
  operation: Operation,
  handle: (ctx: RouteContext) => Promise<HttpResponseInit>,
): (request: HttpRequest, invocation: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, invocation) => {
    const clientRequestId = clientRequestIdOf(request);
    const requestId = clientRequestId ?? randomUUID();
    let tenantId: string | undefined;
    let response: HttpResponseInit;
    try {
      const principal = await getAuthenticator().authenticate(
        request.headers.get('authorization') ?? undefined,
      );
      await ensureStorage();
      const tenant = await getTenant(principal.tenantId);
      if (!tenant) throw unauthenticated('The token’s tenant is not onboarded to this riskloop deployment.');
      tenantId = tenant.id;
      authorize(principal, operation);
      response = await handle({
        request,
        invocation,
        principal,
        tenant,
        requestId,
        clientRequestId,
        now: new Date(),
      });
    } catch (error) {
      response = toErrorResponse(error, requestId, invocation);
    }
    logRequest(invocation, {
      requestId,
      tenantId,
      operation,
      method: request.method,
      status: response.status ?? 200,
    });
    return response;
  };
}

/**
 * One structured line per request, for Application Insights (which adds the invocation id
 * itself): ids, operation and status only — never a header, token or body (R-X7).
 */
function logRequest(
  invocation: InvocationContext,
  fields: {
    requestId: string;
    tenantId: string | undefined;
    operation: string;
    method: string;
    status: number;
  },
): void {
  invocation.log(
    JSON.stringify({
      event: 'request',
      function: invocation.functionName,
      invocationId: invocation.invocationId,
      ...fields,
    }),
  );
}

/** For anonymous routes (health): error mapping only. */
export function anonymousRoute(
  handle: (request: HttpRequest, requestId: string) => Promise<HttpResponseInit>,
): (request: HttpRequest, invocation: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, invocation) => {
    const requestId = clientRequestIdOf(request) ?? randomUUID();
    try {
      return await handle(request, requestId);
    } catch (error) {
      return toErrorResponse(error, requestId, invocation);
    }
  };
}

import type { HttpResponseInit } from '@azure/functions';
import { toGraphCode, toHttpStatus, type AppError } from '../errors';

/**
 * The ids Graph puts on every response: `request-id`, and `client-request-id`, which is the
 * caller's own when it sent one (then the two are the same here: riskloop takes the caller's
 * id as its request id) so that a client can match the answer to its request.
 */
const idHeaders = (requestId: string): Record<string, string> => ({
  'request-id': requestId,
  'client-request-id': requestId,
});

/** Graph's error body (SPEC §7) for an AppError. */
export function errorResponse(error: AppError, requestId: string, now = new Date()): HttpResponseInit {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...idHeaders(requestId) };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  // RFC 7235 §3.1 / RFC 6750 §3: a 401 names the scheme to authenticate with, as Graph's do.
  if (error.code === 'unauthenticated') headers['www-authenticate'] = 'Bearer';
  return {
    status: toHttpStatus(error.code),
    headers,
    jsonBody: {
      error: {
        code: toGraphCode(error.code),
        message: error.message,
        innerError: {
          date: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          'request-id': requestId,
          'client-request-id': requestId,
        },
      },
    },
  };
}

export function jsonResponse(status: number, body: unknown, requestId: string): HttpResponseInit {
  return { status, headers: { 'content-type': 'application/json', ...idHeaders(requestId) }, jsonBody: body };
}

export function noContent(requestId: string): HttpResponseInit {
  return { status: 204, headers: idHeaders(requestId) };
}

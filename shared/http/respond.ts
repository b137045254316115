import type { HttpResponseInit } from '@azure/functions';
import { toGraphCode, toHttpStatus, type AppError } from '../errors';

/** Graph's error body (SPEC §7) for an AppError. */
export function errorResponse(error: AppError, requestId: string, now = new Date()): HttpResponseInit {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': requestId };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  return {
    status: toHttpStatus(error.code),
    headers,
    jsonBody: {
      error: {
        code: toGraphCode(error.code),
        message: error.message,
        innerError: { 'request-id': requestId, date: now.toISOString().replace(/\.\d{3}Z$/, 'Z') },
      },
    },
  };
}

export function jsonResponse(status: number, body: unknown, requestId: string): HttpResponseInit {
  return { status, headers: { 'content-type': 'application/json', 'request-id': requestId }, jsonBody: body };
}

export function noContent(requestId: string): HttpResponseInit {
  return { status: 204, headers: { 'request-id': requestId } };
}

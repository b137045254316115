import { AppError } from '../errors';

interface RestLike {
  statusCode?: number;
  code?: string;
  details?: { odataError?: { code?: string } };
}

const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'REQUEST_SEND_ERROR',
]);

/** Storage's own timeout (408) and server-side failures: a retry can succeed. */
const unavailableStatuses = new Set([408, 500, 502, 503, 504]);

export function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? (error as RestLike).statusCode : undefined;
}

/** Storage answers that mean "try again later" rather than "your request is wrong" (R-X6). */
export function isStorageUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as RestLike & { cause?: unknown; name?: string };
  if (e.code && unavailableCodes.has(e.code)) return true;
  if (e.statusCode !== undefined && unavailableStatuses.has(e.statusCode)) return true;
  if (e.name === 'AbortError' || e.name === 'RestError') {
    if (e.statusCode === undefined) return true;
  }
  return e.cause !== undefined && isStorageUnavailable(e.cause);
}

export const isConflict = (error: unknown): boolean => statusOf(error) === 409;
export const isPreconditionFailed = (error: unknown): boolean => statusOf(error) === 412;
export const isNotFound = (error: unknown): boolean => statusOf(error) === 404;

export function storageUnavailable(): AppError {
  return new AppError('serviceUnavailable', 'Storage is temporarily unavailable; retry shortly.', 5);
}

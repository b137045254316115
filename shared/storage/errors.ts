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

export function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? (error as RestLike).statusCode : undefined;
}

/** Storage answers that mean "try again later" rather than "your request is wrong" (R-X6). */
export function isStorageUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as RestLike & { cause?: unknown; name?: string };
  if (e.code && unavailableCodes.has(e.code)) return true;
  if (e.statusCode === 500 || e.statusCode === 503 || e.statusCode === 502 || e.statusCode === 504)
    return true;
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

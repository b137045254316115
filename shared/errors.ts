/**
 * Errors with stable codes. {@link toHttpStatus} is the one place codes become HTTP
 * statuses; the Graph error body is built in shared/http.
 */
export type ErrorCode =
  | 'badRequest'
  | 'unauthenticated'
  | 'forbidden'
  | 'notFound'
  | 'conflict'
  | 'tooManyRequests'
  | 'serviceUnavailable'
  | 'internal';

const statusByCode: Record<ErrorCode, number> = {
  badRequest: 400,
  unauthenticated: 401,
  forbidden: 403,
  notFound: 404,
  conflict: 409,
  tooManyRequests: 429,
  serviceUnavailable: 503,
  internal: 500,
};

/** Graph's own `error.code` strings for each of our codes. */
const graphCodeByCode: Record<ErrorCode, string> = {
  badRequest: 'BadRequest',
  unauthenticated: 'InvalidAuthenticationToken',
  forbidden: 'Authorization_RequestDenied',
  notFound: 'ResourceNotFound',
  conflict: 'Conflict',
  tooManyRequests: 'TooManyRequests',
  serviceUnavailable: 'ServiceUnavailable',
  internal: 'InternalServerError',
};

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): AppError => new AppError('badRequest', message);
export const notFound = (message: string): AppError => new AppError('notFound', message);
export const unauthenticated = (message: string): AppError => new AppError('unauthenticated', message);
export const forbidden = (message: string): AppError => new AppError('forbidden', message);

export function toHttpStatus(code: ErrorCode): number {
  return statusByCode[code];
}

export function toGraphCode(code: ErrorCode): string {
  return graphCodeByCode[code];
}

/** Turns any thrown value into an Error, so callers can rely on `.message` and `.stack`. */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  let text: string;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return new Error(text);
}

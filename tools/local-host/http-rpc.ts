import type { IncomingMessage } from 'node:http';
import type { RpcHttpCookie, RpcHttpData, RpcTypedData } from './rpc';

/** Headers the server computes itself; a function's values for them would corrupt the framing. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'te',
  'trailer',
]);

/**
 * The RPC form of an incoming request, as the host sends it to the worker. Repeated headers and
 * query keys are joined with commas, because the RPC maps hold one string per key (Azure
 * behaves the same). The body goes as raw bytes so nothing is re-encoded.
 */
export function toRpcHttpRequest(
  req: IncomingMessage,
  url: URL,
  params: Record<string, string>,
  body: Buffer,
): RpcHttpData {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const query: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
  return { method: req.method ?? 'GET', url: url.toString(), headers, query, params, body: { bytes: body } };
}

export interface HttpResult {
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

function bodyBytes(body: RpcTypedData | null | undefined): Buffer {
  if (!body) return Buffer.alloc(0);
  if (body.bytes) return Buffer.from(body.bytes);
  if (typeof body.string === 'string') return Buffer.from(body.string, 'utf8');
  if (typeof body.json === 'string') return Buffer.from(body.json, 'utf8');
  if (typeof body.int === 'number') return Buffer.from(String(body.int));
  if (typeof body.double === 'number') return Buffer.from(String(body.double));
  return Buffer.alloc(0);
}

// 'none' means "not set" in the RPC enum; an explicit SameSite=None is 'explicitNone'.
const SAME_SITE: Record<NonNullable<RpcHttpCookie['sameSite']>, string | undefined> = {
  none: undefined,
  lax: 'Lax',
  strict: 'Strict',
  explicitNone: 'None',
};

export function serializeCookie(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ''}=${cookie.value ?? ''}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  const expires = cookie.expires?.value?.seconds;
  if (expires !== undefined && expires !== null)
    parts.push(`Expires=${new Date(Number(expires) * 1000).toUTCString()}`);
  const maxAge = cookie.maxAge?.value;
  if (typeof maxAge === 'number') parts.push(`Max-Age=${Math.trunc(maxAge)}`);
  if (cookie.secure?.value) parts.push('Secure');
  if (cookie.httpOnly?.value) parts.push('HttpOnly');
  const sameSite = SAME_SITE[cookie.sameSite ?? 'none'];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join('; ');
}

/**
 * The HTTP answer for a function's RPC response. No response object at all becomes
 * `204 No Content`, which is what the Functions host answers then.
 */
export function fromRpcHttpResponse(data: RpcTypedData | null | undefined): HttpResult {
  if (!data) return { status: 204, headers: [], body: Buffer.alloc(0) };
  if (!data.http) return { status: 200, headers: [], body: bodyBytes(data) };
  const http = data.http;
  const status = Number.parseInt(http.statusCode ?? '200', 10);
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(http.headers ?? {})) {
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers.push([name, value]);
  }
  for (const cookie of http.cookies ?? []) headers.push(['set-cookie', serializeCookie(cookie)]);
  return {
    status: Number.isInteger(status) && status >= 100 && status <= 999 ? status : 500,
    headers,
    body: bodyBytes(http.body),
  };
}

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromRpcHttpResponse, toRpcHttpRequest, type HttpResult } from './http-rpc';
import type { Invoker, LogLine } from './invoke';
import { errorMessage } from './invoke';
import { bindingsOf, findRegistration, triggerOf, type Registration } from './registrations';
import type { RouteTable } from './route-table';
import type { RpcInvocationResponse, RpcTypedData } from './rpc';

/** Azure's request size limit for HTTP triggers. */
const MAX_BODY_BYTES = 100 * 1024 * 1024;

export interface HttpHostOptions {
  readonly port: number;
  readonly routePrefix: string;
  readonly routes: RouteTable;
  readonly registrations: readonly Registration[];
  readonly invoker: Invoker;
  /** Starts a non-HTTP function now (the admin endpoint); the promise settles when it ends. */
  readonly runNow: (registration: Registration, input: string) => Promise<unknown>;
  readonly log: LogLine;
  /** While this answers true, every request gets 503 with Retry-After and runs nothing. */
  readonly warmingUp?: () => boolean;
}

export interface HttpHost {
  readonly port: number;
  /** Stops accepting requests and resolves once the open ones are answered. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function jsonResult(status: number, body: unknown): HttpResult {
  return {
    status,
    headers: [['content-type', 'application/json; charset=utf-8']],
    body: Buffer.from(JSON.stringify(body)),
  };
}

function errorResult(status: number, code: string, message: string): HttpResult {
  // Graph's error shape, which is what the app's own errors look like.
  return jsonResult(status, { error: { code, message } });
}

const NOT_FOUND = (): HttpResult =>
  errorResult(404, 'ResourceNotFound', 'No function serves this path and method.');

const WARMING_UP = (): HttpResult => {
  const result = errorResult(503, 'ServiceUnavailable', 'The host is starting; retry shortly.');
  return { ...result, headers: [...result.headers, ['retry-after', '1']] };
};

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'RequestEntityTooLarge', 'The request body is too large.'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function writeResult(res: ServerResponse, result: HttpResult): void {
  res.statusCode = result.status;
  const grouped = new Map<string, string[]>();
  for (const [name, value] of result.headers) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  for (const [name, values] of grouped) res.setHeader(name, values.length === 1 ? values[0]! : values);
  const noBody = result.status === 204 || result.status === 304 || res.req.method === 'HEAD';
  if (!noBody) res.setHeader('content-length', result.body.length);
  res.end(noBody ? undefined : result.body);
}

/** The HTTP output of an HTTP function: the `$return` binding or a named `http` output. */
function httpOutput(
  registration: Registration,
  response: RpcInvocationResponse,
): RpcTypedData | null | undefined {
  for (const [name, binding] of Object.entries(bindingsOf(registration))) {
    if (binding.direction !== 'out' || String(binding.type).toLowerCase() !== 'http') continue;
    return name === '$return'
      ? response.returnValue
      : response.outputData?.find((o) => o.name === name)?.data;
  }
  return undefined;
}

function pathSegments(pathname: string): string[] {
  const raw = pathname.split('/').filter((s, i, all) => !(s === '' && (i === 0 || i === all.length - 1)));
  return raw.map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new HttpError(400, 'BadRequest', 'The request path is not valid percent-encoding.');
    }
  });
}

/** `POST /admin/functions/{name}` (and `GET /admin/functions`), outside the route prefix, as in Azure. */
async function handleAdmin(
  req: IncomingMessage,
  segments: readonly string[],
  options: HttpHostOptions,
): Promise<HttpResult> {
  if (segments[1]?.toLowerCase() !== 'functions' || segments.length > 3) return NOT_FOUND();
  if (segments.length === 2) {
    if (req.method !== 'GET') return NOT_FOUND();
    return jsonResult(
      200,
      options.registrations.map((r) => ({
        name: r.name,
        bindings: r.bindings,
        retryOptions: r.retryOptions,
      })),
    );
  }
  if (req.method !== 'POST') return NOT_FOUND();

  // Azure guards this API with the master key; locally there is none (as with Core Tools).
  // So that no web page the developer visits can run a function through it, browser
  // requests are refused: one that says where it comes from (`Origin`), and any body that
  // is not JSON (a page can only send JSON after a CORS preflight, which this host never
  // grants).
  if (req.headers.origin !== undefined) {
    return errorResult(403, 'Forbidden', 'The admin API takes no browser requests.');
  }
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/json') {
    return errorResult(
      415,
      'UnsupportedMediaType',
      'The body must be JSON (Content-Type: application/json).',
    );
  }

  // Azure checks the body before the name: an unreadable body is a 400 even for unknown names.
  const text = (await readBody(req)).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return errorResult(400, 'BadRequest', 'The body must be JSON like {"input": "..."}.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return errorResult(400, 'BadRequest', 'The body must be a JSON object like {"input": "..."}.');
  }
  const input = (body as { input?: unknown }).input;
  if (input !== undefined && input !== null && typeof input !== 'string') {
    return errorResult(400, 'BadRequest', '"input" must be a string.');
  }

  const registration = findRegistration(options.registrations, segments[2]!);
  if (!registration) return errorResult(404, 'ResourceNotFound', 'No function has this name.');
  if (triggerOf(registration).type === 'httptrigger') {
    // Azure would feed the string to an HTTP trigger and fail later; say so up front instead.
    return errorResult(
      400,
      'BadRequest',
      'HTTP functions are called through their route, not the admin API.',
    );
  }
  options.runNow(registration, input ?? '').catch((error: unknown) => {
    options.log(`[${registration.name}] admin run failed: ${errorMessage(error)}`);
  });
  return { status: 202, headers: [], body: Buffer.alloc(0) };
}

async function handleFunction(
  req: IncomingMessage,
  url: URL,
  segments: readonly string[],
  options: HttpHostOptions,
): Promise<HttpResult> {
  const prefix = options.routePrefix === '' ? [] : options.routePrefix.split('/');
  const hasPrefix = prefix.every((p, i) => segments[i]?.toLowerCase() === p.toLowerCase());
  if (!hasPrefix) return NOT_FOUND();
  const match = options.routes.match(req.method ?? 'GET', segments.slice(prefix.length));
  // A known path with an unregistered method is 404, not 405: that is what the Functions host
  // answers (Azure/azure-functions-host#10098), and clients should see the same locally.
  if (match.kind !== 'match') return NOT_FOUND();

  const body = await readBody(req);
  const { registration } = match.route;
  const trigger = triggerOf(registration);
  const rpcRequest = toRpcHttpRequest(req, url, match.params, body);
  const triggerMetadata: Record<string, RpcTypedData> = {
    Query: { json: JSON.stringify(rpcRequest.query) },
    Headers: { json: JSON.stringify(rpcRequest.headers) },
  };
  for (const [name, value] of Object.entries(match.params)) triggerMetadata[name] = { string: value };

  let response: RpcInvocationResponse;
  try {
    response = await options.invoker.invoke(
      registration,
      { inputData: [{ name: trigger.bindingName, data: { http: rpcRequest } }], triggerMetadata },
      `This function was programmatically called via the host APIs.`,
    );
  } catch {
    // The invoker logged the message; the client learns nothing about the internals.
    return errorResult(500, 'InternalServerError', 'An error occurred while processing the request.');
  }
  return fromRpcHttpResponse(httpOutput(registration, response));
}

function requestUrl(req: IncomingMessage): URL {
  const local = `127.0.0.1:${req.socket.localPort ?? 80}`;
  // Concatenated, not resolved: `//x/y` is a path here, not a protocol-relative URL.
  const target = req.url?.startsWith('/') ? req.url : '/';
  try {
    return new URL(`http://${req.headers.host ?? local}${target}`);
  } catch {
    // A malformed Host header must not turn into a 500; the listening address is just as good.
    return new URL(`http://${local}${target}`);
  }
}

/** Serves the HTTP functions and the admin API on 127.0.0.1 (local use; no keys are checked). */
export async function startHttpServer(options: HttpHostOptions): Promise<HttpHost> {
  const server = http.createServer((req, res) => {
    void (async () => {
      let result: HttpResult;
      try {
        if (options.warmingUp?.()) {
          writeResult(res, WARMING_UP());
          return;
        }
        const url = requestUrl(req);
        const segments = pathSegments(url.pathname);
        result =
          segments[0]?.toLowerCase() === 'admin'
            ? await handleAdmin(req, segments, options)
            : await handleFunction(req, url, segments, options);
      } catch (error) {
        if (error instanceof HttpError) result = errorResult(error.status, error.code, error.message);
        else {
          options.log(`[host] request failed: ${errorMessage(error)}`);
          result = errorResult(500, 'InternalServerError', 'An error occurred while processing the request.');
        }
      }
      if (!res.headersSent && !res.destroyed) writeResult(res, result);
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Connections kept alive after their last answer would hold close() open forever.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.once('close', () => clearInterval(sweep));
      }),
  };
}

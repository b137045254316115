import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for SendGrid's `POST /v3/mail/send` on 127.0.0.1 (no npm package mocks
 * SendGrid; PLATFORM-NOTES). Point the real @sendgrid/mail at `url` through
 * `SENDGRID_BASE_URL`. It records every request — headers untouched, so tests can check
 * the Authorization header — and answers 202 with an `X-Message-Id` unless scripted.
 */

export interface CapturedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text if it was not JSON. */
  body: unknown;
  /** The status the capture server answered (or was about to, for a delayed answer). */
  status: number;
  /** When the request arrived (ms since epoch). */
  receivedAt: number;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  /** Wait this long before answering; longer than the client's timeout forces a timeout. */
  delayMs?: number;
  /** JSON body; error statuses default to SendGrid's `{ errors: [{ message }] }` shape. */
  body?: unknown;
}

export interface SendGridCapture {
  /** Base URL, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  /** Every `POST /v3/mail/send`, in arrival order. */
  readonly requests: CapturedRequest[];
  /** Queue answers for the next requests; after the queue, the default 202. */
  script(responses: ScriptedResponse[]): void;
  /** Resolves once at least `n` requests have arrived; rejects after `timeoutMs`. */
  waitForRequests(n: number, timeoutMs?: number): Promise<CapturedRequest[]>;
  /** Forgets recorded requests and scripted answers left; message ids start again at `capture-1`. */
  reset(): void;
  stop(): Promise<void>;
}

export async function startSendGridCapture(): Promise<SendGridCapture> {
  const requests: CapturedRequest[] = [];
  let queue: ScriptedResponse[] = [];
  let nextId = 1;
  const waiters = new Set<() => void>();
  const pendingTimers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (req.method !== 'POST' || path !== '/v3/mail/send') {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: `capture server: no route ${req.method} ${path}` }] }));
        return;
      }
      const scripted = queue.shift() ?? { status: 202 };
      const raw = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: req.method,
        path,
        headers: req.headers,
        body: parse(raw),
        status: scripted.status,
        receivedAt: Date.now(),
      });
      for (const wake of waiters) wake();

      const answer = (): void => {
        pendingTimers.delete(timer);
        if (res.destroyed) return;
        const headers: Record<string, string> = { ...scripted.headers };
        let body = '';
        if (scripted.status >= 400) {
          headers['Content-Type'] ??= 'application/json';
          body = JSON.stringify(
            scripted.body ?? {
              errors: [{ message: `capture server scripted ${scripted.status}`, field: null }],
            },
          );
        } else {
          headers['X-Message-Id'] ??= `capture-${nextId++}`;
          if (scripted.body !== undefined) {
            headers['Content-Type'] ??= 'application/json';
            body = JSON.stringify(scripted.body);
          }
        }
        res.writeHead(scripted.status, headers);
        res.end(body);
      };
      const timer = setTimeout(answer, scripted.delayMs ?? 0);
      pendingTimers.add(timer);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(responses) {
      queue = [...responses];
    },
    waitForRequests(n, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          if (requests.length < n) return false;
          cleanup();
          resolve([...requests]);
          return true;
        };
        const timeout = setTimeout(() => {
          cleanup();
          reject(new Error(`capture server: expected ${n} request(s), got ${requests.length}`));
        }, timeoutMs);
        const wake = (): void => void check();
        const cleanup = (): void => {
          clearTimeout(timeout);
          waiters.delete(wake);
        };
        waiters.add(wake);
        check();
      });
    },
    reset() {
      requests.length = 0;
      queue = [];
      nextId = 1;
    },
    stop() {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

function parse(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

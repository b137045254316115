/**
 * Sending through @sendgrid/mail (SPEC §9, R-X5, R-X7).
 *
 * Retry policy, all within one {@link sendEmail} call:
 * - 429: retried after `Retry-After` (seconds or an HTTP date; else `X-RateLimit-Reset`,
 *   else back-off), never waiting longer than `maxDelayMs`;
 * - 5xx, network errors and timeouts: retried with exponential back-off and jitter;
 * - any other 4xx (400, 401, 403, 413, ...): `failed`, not retried — resending the same
 *   request cannot succeed;
 * - still failing after `maxAttempts`: `failed` with `retryable: true`, and the caller
 *   decides whether to throw for a queue retry.
 *
 * SendGrid has no idempotency key, so a timeout after SendGrid accepted the request
 * can still yield a second copy on retry within one call. Across calls the callers never
 * send again once an email may have gone out: the alert's `sending` log entry and the
 * digest's `sending` claim say so to a queue redelivery.
 */
import { MailService, type MailDataRequired } from '@sendgrid/mail';
import { getConfig, type Settings } from '../config';
import { ensureError } from '../errors';
import { writeToOutbox } from './outbox';
import type { OutgoingEmail, SendOutcome } from './outgoing-email';

export type { EmailCategory, OutgoingEmail, SendOutcome } from './outgoing-email';

/** SendGrid accepts at most 1,000 personalizations per request. */
export const MAX_PERSONALIZATIONS_PER_REQUEST = 1000;

/** Retry and timeout knobs for {@link sendEmail}; the defaults suit production. */
export interface SendOptions {
  /** Attempts per request, the first included. Default 4. */
  maxAttempts?: number;
  /** First back-off delay; doubles each retry, with jitter. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest single wait, `Retry-After` included. Default 30 s. */
  maxDelayMs?: number;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
  /** Injected by tests to observe or skip the waits. */
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULTS = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000, timeoutMs: 10_000 } as const;
const MAX_REASON_LENGTH = 500;

/**
 * Sends `email` to each recipient separately (one personalization each, so nobody sees
 * the other addresses), or, without `SENDGRID_API_KEY`, writes it to `EMAIL_OUTBOX_DIR`
 * and sends nothing. Never throws for a send failure: the outcome says what happened.
 */
export async function sendEmail(email: OutgoingEmail, options: SendOptions = {}): Promise<SendOutcome> {
  const config = getConfig();
  const recipients = uniqueRecipients(email.recipients);
  if (recipients.length === 0) {
    return { outcome: 'failed', reason: 'no recipients', attempts: 0, retryable: false };
  }

  const apiKey = config.SENDGRID_API_KEY;
  if (apiKey === undefined) {
    try {
      const file = await writeToOutbox(email, recipients, config.EMAIL_FROM, config.EMAIL_OUTBOX_DIR);
      return { outcome: 'written', file };
    } catch (error) {
      return {
        outcome: 'failed',
        reason: `could not write to the outbox: ${truncate(ensureError(error).message)}`,
        attempts: 1,
        retryable: true,
      };
    }
  }

  const policy = {
    maxAttempts: Math.max(1, Math.floor(options.maxAttempts ?? DEFAULTS.maxAttempts)),
    baseDelayMs: Math.max(0, options.baseDelayMs ?? DEFAULTS.baseDelayMs),
    maxDelayMs: Math.max(0, options.maxDelayMs ?? DEFAULTS.maxDelayMs),
    sleep: options.sleep ?? defaultSleep,
  };
  const service = mailServiceFor(config, options.timeoutMs ?? DEFAULTS.timeoutMs);

  // Beyond 1,000 recipients SendGrid needs several requests. Each is retried on its own;
  // if a later one fails for good, the earlier ones were still delivered, and the
  // reason says which batch failed. (R-E6 caps role recipients at 60, so in practice
  // this is one request.)
  const batches = chunk(recipients, MAX_PERSONALIZATIONS_PER_REQUEST);
  let attempts = 0;
  let messageId: string | undefined;
  for (const [index, batch] of batches.entries()) {
    const result = await sendWithRetries(service, () => mailData(email, batch, config.EMAIL_FROM), policy);
    attempts += result.attempts;
    if (result.outcome === 'failed') {
      const where = batches.length > 1 ? `request ${index + 1} of ${batches.length}: ` : '';
      return { ...result, attempts, reason: redact(`${where}${result.reason}`, apiKey) };
    }
    messageId ??= result.messageId;
  }
  return messageId === undefined ? { outcome: 'sent', attempts } : { outcome: 'sent', messageId, attempts };
}

/** Test hook: drop the configured SendGrid clients so the next send reads the config again. */
export function resetEmailSenderForTests(): void {
  services = undefined;
}

// One dedicated MailService per (config, timeout), never the package's global singleton,
// which any other code in the process could reconfigure. A new config object (after
// resetConfigForTests) gets new services.
let services: { config: Settings; byTimeout: Map<number, MailService> } | undefined;

function mailServiceFor(config: Settings, timeoutMs: number): MailService {
  if (services?.config !== config) services = { config, byTimeout: new Map() };
  let service = services.byTimeout.get(timeoutMs);
  if (!service) {
    service = new MailService();
    // setApiKey resets the base URL to SendGrid's global host, so it must come first.
    service.setApiKey(config.SENDGRID_API_KEY ?? '');
    if (config.SENDGRID_BASE_URL !== undefined) {
      clientOf(service).setDefaultRequest('baseUrl', config.SENDGRID_BASE_URL);
    }
    service.setTimeout(timeoutMs);
    services.byTimeout.set(timeoutMs, service);
  }
  return service;
}

interface SendGridClient {
  setDefaultRequest(key: 'baseUrl', value: string): unknown;
}

// MailService's typings omit the `client` property its JavaScript always sets; it is
// the documented way to change the base URL (PLATFORM-NOTES). Checked, so an upgrade
// that changes it fails loudly instead of silently sending to api.sendgrid.com.
function clientOf(service: MailService): SendGridClient {
  const client = (service as unknown as { client?: Partial<SendGridClient> }).client;
  if (typeof client?.setDefaultRequest !== 'function') {
    throw new Error('@sendgrid/mail has no client.setDefaultRequest; SENDGRID_BASE_URL cannot be applied');
  }
  return client as SendGridClient;
}

function mailData(email: OutgoingEmail, batch: readonly string[], from: string): MailDataRequired {
  return {
    from,
    subject: email.subject,
    // SendGrid requires text/plain before text/html.
    content: [
      { type: 'text/plain', value: email.text },
      { type: 'text/html', value: email.html },
    ],
    personalizations: batch.map((address) => ({ to: [{ email: address }] })),
    customArgs: { idempotencyKey: email.idempotencyKey, category: email.category },
    categories: ['riskloop', email.category],
    // Security emails must show the real report links, not SendGrid's rewritten ones
    // (which look like phishing to a careful administrator).
    trackingSettings: {
      clickTracking: { enable: false, enableText: false },
      openTracking: { enable: false },
    },
    hideWarnings: true,
  };
}

type AttemptResult =
  | { outcome: 'sent'; messageId?: string; attempts: number }
  | { outcome: 'failed'; status?: number; reason: string; attempts: number; retryable: boolean };

interface Policy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

async function sendWithRetries(
  service: MailService,
  build: () => MailDataRequired,
  policy: Policy,
): Promise<AttemptResult> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      // A fresh body each attempt: MailService.send mutates the object it is given.
      const [response] = await service.send(build());
      const messageId = headerValue(response.headers, 'x-message-id');
      return messageId === undefined
        ? { outcome: 'sent', attempts: attempt }
        : { outcome: 'sent', messageId, attempts: attempt };
    } catch (error) {
      const failure = classify(error);
      if (!failure.retryable) return { outcome: 'failed', ...failure, attempts: attempt, retryable: false };
      if (attempt >= policy.maxAttempts) {
        return {
          outcome: 'failed',
          ...failure,
          reason: `${failure.reason} (gave up after ${attempt} attempt${attempt === 1 ? '' : 's'})`,
          attempts: attempt,
          retryable: true,
        };
      }
      await policy.sleep(retryDelay(attempt, failure.retryAfterMs, policy));
    }
  }
}

/** Exponential back-off with "equal jitter": half fixed, half random, capped. */
function retryDelay(attempt: number, retryAfterMs: number | undefined, policy: Policy): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(retryAfterMs, 0), policy.maxDelayMs);
  const exponential = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.round(exponential / 2 + Math.random() * (exponential / 2));
}

interface Failure {
  status?: number;
  reason: string;
  retryable: boolean;
  retryAfterMs?: number;
}

// Network errors axios reports without a response; all are worth another try.
const NETWORK_CODES = new Set([
  'ECONNABORTED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/**
 * Turns whatever @sendgrid/mail rejected with into a reason that is safe to log. Only
 * the status, SendGrid's `errors[].message` and the network error's code and message
 * are used: the error object also holds the request config, whose headers carry the
 * API key (R-X7).
 */
function classify(error: unknown): Failure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    message?: unknown;
    isAxiosError?: unknown;
    response?: { status?: unknown; headers?: unknown; body?: unknown; data?: unknown };
  };
  const status =
    typeof e.code === 'number'
      ? e.code
      : typeof e.response?.status === 'number'
        ? e.response.status
        : undefined;

  if (status !== undefined) {
    const messages = sendGridMessages(e.response?.body ?? e.response?.data);
    const reason = truncate(`SendGrid answered ${status}${messages ? `: ${messages}` : ''}`);
    if (status === 429) {
      const retryAfterMs = retryAfter(e.response?.headers, Date.now());
      return retryAfterMs === undefined
        ? { status, reason, retryable: true }
        : { status, reason, retryable: true, retryAfterMs };
    }
    return { status, reason, retryable: status >= 500 };
  }

  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : String(ensureError(error).message);
  if (e.isAxiosError === true || (code !== undefined && NETWORK_CODES.has(code))) {
    return { reason: truncate(`network error${code ? ` (${code})` : ''}: ${message}`), retryable: true };
  }
  // Thrown before any request was made (e.g. @sendgrid/helpers refusing the mail data):
  // the same data will be refused again.
  return { reason: truncate(`could not build the request: ${message}`), retryable: false };
}

function sendGridMessages(body: unknown): string {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return '';
  return errors
    .map((item) => (item as { message?: unknown } | null)?.message)
    .filter((m): m is string => typeof m === 'string' && m !== '')
    .map((m) => truncate(m, 200))
    .join('; ');
}

/** Milliseconds to wait from `Retry-After` (seconds or HTTP date) or `X-RateLimit-Reset` (epoch seconds). */
function retryAfter(headers: unknown, now: number): number | undefined {
  const retry = headerValue(headers, 'retry-after');
  if (retry !== undefined) {
    if (/^\d+(\.\d+)?$/.test(retry.trim())) return Math.round(Number(retry) * 1000);
    const date = Date.parse(retry);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = headerValue(headers, 'x-ratelimit-reset');
  if (reset !== undefined && /^\d+$/.test(reset.trim())) return Math.max(0, Number(reset) * 1000 - now);
  return undefined;
}

// Response headers arrive as axios' AxiosHeaders or a plain object; node lower-cases names.
function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const value = (headers as Record<string, unknown>)[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

/** Trimmed, blanks dropped, first spelling kept for addresses equal ignoring case. */
function uniqueRecipients(addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  const unique: string[] = [];
  for (const raw of addresses) {
    const address = raw.trim();
    const key = address.toLowerCase();
    if (address === '' || seen.has(key)) continue;
    seen.add(key);
    unique.push(address);
  }
  return unique;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function truncate(text: string, max = MAX_REASON_LENGTH): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// Defence in depth for R-X7: even if a future error message echoed the key, it would
// not leave this module.
function redact(text: string, apiKey: string): string {
  return text
    .split(apiKey)
    .join('[redacted]')
    .replace(/Bearer\s+\S+/gi, 'Bearer [redacted]');
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

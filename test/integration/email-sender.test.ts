import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetConfigForTests } from '../../shared/config';
import { resetEmailSenderForTests, sendEmail, type OutgoingEmail } from '../../shared/email/sender';
import type { OutboxManifest } from '../../shared/email/outbox';
import { startSendGridCapture, type SendGridCapture } from '../helpers/sendgrid-capture';

/**
 * shared/email/sender.ts with the real @sendgrid/mail, aimed at a local capture server
 * through SENDGRID_BASE_URL (SPEC §9), covering R-X5 (retries) and R-X7 (no secret out).
 */

const API_KEY = 'SG.integration-test-key-not-a-secret';
const FROM = 'alerts@riskloop.example';

interface MailBody {
  from: { email: string };
  subject: string;
  personalizations: Array<{ to: Array<{ email: string }> }>;
  content: Array<{ type: string; value: string }>;
  custom_args: Record<string, string>;
  categories: string[];
}

function email(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  return {
    subject: 'Users at risk detected: 1 user in Contoso',
    html: '<p>Megan Bowen</p>',
    text: 'Megan Bowen',
    recipients: ['admin@contoso.example', 'secops@contoso.example'],
    category: 'usersAtRisk',
    idempotencyKey: 'tenant-1:2024-05-01T10:00:05Z',
    ...overrides,
  };
}

/** Records the waits instead of waiting, so back-off and Retry-After are visible and fast. */
function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: (ms) => (delays.push(ms), new Promise((resolve) => setImmediate(resolve))) };
}

const savedEnv = { ...process.env };
let capture: SendGridCapture;

function configure(env: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetConfigForTests();
  resetEmailSenderForTests();
}

beforeAll(async () => {
  capture = await startSendGridCapture();
});

afterAll(async () => {
  await capture.stop();
  process.env = savedEnv;
  resetConfigForTests();
  resetEmailSenderForTests();
});

beforeEach(() => {
  capture.reset();
  configure({
    // Required by shared/config; the sender never touches storage.
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    SENDGRID_API_KEY: API_KEY,
    SENDGRID_BASE_URL: capture.url,
    EMAIL_FROM: FROM,
  });
});

describe('sendEmail with SENDGRID_API_KEY', () => {
  it('sends one request with one personalization per distinct recipient, from EMAIL_FROM, both parts', async () => {
    const outcome = await sendEmail(
      email({
        recipients: ['admin@contoso.example', ' Admin@Contoso.example ', 'secops@contoso.example', ''],
      }),
    );

    expect(outcome).toEqual({ outcome: 'sent', messageId: 'capture-1', attempts: 1 });
    expect(capture.requests).toHaveLength(1);
    const [request] = capture.requests;
    expect(request?.path).toBe('/v3/mail/send');
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const body = request?.body as MailBody;
    // Recipients never see each other: each has a personalization of their own.
    expect(body.personalizations).toEqual([
      { to: [{ email: 'admin@contoso.example' }] },
      { to: [{ email: 'secops@contoso.example' }] },
    ]);
    expect(body.from).toEqual({ email: FROM });
    expect(body.subject).toBe('Users at risk detected: 1 user in Contoso');
    expect(body.content).toEqual([
      { type: 'text/plain', value: 'Megan Bowen' },
      { type: 'text/html', value: '<p>Megan Bowen</p>' },
    ]);
    expect(body.custom_args).toEqual({
      idempotencyKey: 'tenant-1:2024-05-01T10:00:05Z',
      category: 'usersAtRisk',
    });
    expect(body.categories).toContain('usersAtRisk');
  });

  it('R-X5: 503 then 202 is retried and yields exactly one accepted email', async () => {
    capture.script([{ status: 503 }, { status: 202 }]);
    const { delays, sleep } = recordingSleep();

    const outcome = await sendEmail(email(), { baseDelayMs: 5, sleep });

    expect(outcome).toMatchObject({ outcome: 'sent', attempts: 2 });
    expect(capture.requests.map((r) => r.status)).toEqual([503, 202]);
    expect(capture.requests.filter((r) => r.status === 202)).toHaveLength(1);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(2);
    expect(delays[0]).toBeLessThanOrEqual(5);
  });

  it('R-X5: 429 honours Retry-After (capped) before retrying', async () => {
    capture.script([
      { status: 429, headers: { 'Retry-After': '2' } },
      { status: 429, headers: { 'Retry-After': '120' } },
      { status: 202 },
    ]);
    const { delays, sleep } = recordingSleep();

    const outcome = await sendEmail(email(), { baseDelayMs: 5, maxDelayMs: 30_000, sleep });

    expect(outcome).toMatchObject({ outcome: 'sent', attempts: 3 });
    expect(capture.requests).toHaveLength(3);
    expect(delays).toEqual([2_000, 30_000]);
  });

  it('R-X5: 429 without Retry-After backs off exponentially', async () => {
    capture.script([{ status: 429 }, { status: 429 }, { status: 202 }]);
    const { delays, sleep } = recordingSleep();

    const outcome = await sendEmail(email(), { baseDelayMs: 100, sleep });

    expect(outcome).toMatchObject({ outcome: 'sent', attempts: 3 });
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeGreaterThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
  });

  it('R-X5: 400 fails at once, not retried, with SendGrid’s message', async () => {
    capture.script([
      {
        status: 400,
        body: {
          errors: [{ message: 'The from email does not contain a valid address.', field: 'from.email' }],
        },
      },
    ]);
    const { delays, sleep } = recordingSleep();

    const outcome = await sendEmail(email(), { baseDelayMs: 5, sleep });

    expect(outcome).toEqual({
      outcome: 'failed',
      status: 400,
      reason: 'SendGrid answered 400: The from email does not contain a valid address.',
      attempts: 1,
      retryable: false,
    });
    expect(capture.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('R-X5, R-X7: 401 fails, not retried, and the reason carries no key or header', async () => {
    capture.script([
      {
        status: 401,
        body: { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked' }] },
      },
    ]);

    const outcome = await sendEmail(email(), { baseDelayMs: 5 });

    expect(outcome).toMatchObject({
      outcome: 'failed',
      status: 401,
      reason: 'SendGrid answered 401: The provided authorization grant is invalid, expired, or revoked',
      attempts: 1,
      retryable: false,
    });
    expect(JSON.stringify(outcome)).not.toContain(API_KEY);
    expect(JSON.stringify(outcome)).not.toContain('Bearer');
    expect(capture.requests).toHaveLength(1);
  });

  it('R-X7: a key echoed back in an error message is redacted', async () => {
    capture.script([{ status: 403, body: { errors: [{ message: `key ${API_KEY} lacks mail.send` }] } }]);

    const outcome = await sendEmail(email());

    expect(outcome).toMatchObject({ outcome: 'failed', status: 403, retryable: false });
    expect(outcome.outcome === 'failed' && outcome.reason).toBe(
      'SendGrid answered 403: key [redacted] lacks mail.send',
    );
  });

  it('R-X5: a timeout is retried', async () => {
    // The second attempt gets a whole second, so a stalled machine does not make it a third.
    capture.script([{ status: 202, delayMs: 5_000 }, { status: 202 }]);

    const outcome = await sendEmail(email(), { baseDelayMs: 5, timeoutMs: 1_000 });

    expect(outcome).toMatchObject({ outcome: 'sent', attempts: 2 });
    // The first request did arrive: it is the answer that never came in time.
    expect(await capture.waitForRequests(2)).toHaveLength(2);
  });

  it('R-X5: 5xx on every attempt ends retryable after maxAttempts', async () => {
    capture.script([{ status: 500 }, { status: 502 }, { status: 503 }, { status: 504 }, { status: 202 }]);
    const { sleep } = recordingSleep();

    const outcome = await sendEmail(email(), { baseDelayMs: 5, sleep });

    expect(outcome).toMatchObject({ outcome: 'failed', status: 504, attempts: 4, retryable: true });
    expect(capture.requests).toHaveLength(4);
  });

  it('R-X5, R-X7: a network error is retried, then reported without the key', async () => {
    const closedPort = await freePort();
    configure({ SENDGRID_BASE_URL: `http://127.0.0.1:${closedPort}` });
    const { delays, sleep } = recordingSleep();

    const outcome = await sendEmail(email(), { maxAttempts: 2, baseDelayMs: 5, sleep });

    expect(outcome).toMatchObject({ outcome: 'failed', attempts: 2, retryable: true });
    expect(outcome.outcome === 'failed' && outcome.reason).toMatch(/ECONNREFUSED/);
    expect(JSON.stringify(outcome)).not.toContain(API_KEY);
    expect(delays).toHaveLength(1);
  });

  it('splits more than 1,000 recipients over several requests', async () => {
    const recipients = Array.from({ length: 1_005 }, (_, i) => `admin${i}@contoso.example`);

    const outcome = await sendEmail(email({ recipients }));

    expect(outcome).toEqual({ outcome: 'sent', messageId: 'capture-1', attempts: 2 });
    const sizes = capture.requests.map((r) => (r.body as MailBody).personalizations.length);
    expect(sizes).toEqual([1_000, 5]);
  });

  it('sends nothing when there is no recipient', async () => {
    const outcome = await sendEmail(email({ recipients: [' ', ''] }));

    expect(outcome).toEqual({ outcome: 'failed', reason: 'no recipients', attempts: 0, retryable: false });
    expect(capture.requests).toHaveLength(0);
  });
});

describe('sendEmail without SENDGRID_API_KEY (SPEC §9)', () => {
  let outbox: string;

  beforeEach(async () => {
    outbox = await fs.mkdtemp(path.join(os.tmpdir(), 'riskloop-outbox-'));
    configure({ SENDGRID_API_KEY: undefined, EMAIL_OUTBOX_DIR: outbox });
  });

  afterEach(async () => {
    await fs.rm(outbox, { recursive: true, force: true });
  });

  it('writes the email as .html, .txt and .json files and sends nothing', async () => {
    const outcome = await sendEmail(
      email({ recipients: ['admin@contoso.example', 'ADMIN@contoso.example', 'secops@contoso.example'] }),
    );

    expect(outcome.outcome).toBe('written');
    const file = outcome.outcome === 'written' ? outcome.file : '';
    expect(path.dirname(file)).toBe(outbox);
    expect(path.basename(file)).toMatch(
      /^\d{4}-\d\d-\d\dT[\d-]+Z-usersAtRisk-tenant-1_2024-05-01T10_00_05Z\.json$/,
    );
    const manifest = JSON.parse(await fs.readFile(file, 'utf8')) as OutboxManifest;
    expect(manifest).toMatchObject({
      subject: 'Users at risk detected: 1 user in Contoso',
      from: FROM,
      recipients: ['admin@contoso.example', 'secops@contoso.example'],
      category: 'usersAtRisk',
      idempotencyKey: 'tenant-1:2024-05-01T10:00:05Z',
    });
    expect(await fs.readFile(path.join(outbox, manifest.html), 'utf8')).toBe('<p>Megan Bowen</p>');
    expect(await fs.readFile(path.join(outbox, manifest.text), 'utf8')).toBe('Megan Bowen');
    expect(capture.requests).toHaveLength(0);
  });

  it('never overwrites an earlier file with the same key', async () => {
    const [a, b] = await Promise.all([sendEmail(email()), sendEmail(email())]);
    const files = [a, b].map((o) => (o.outcome === 'written' ? o.file : ''));
    expect(new Set(files).size).toBe(2);
    expect((await fs.readdir(outbox)).filter((f) => f.endsWith('.json'))).toHaveLength(2);
  });
});

/** A port nothing listens on: bind, note it, close. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually, startService, type TestService } from '../../helpers/service';
import { startSendGridCapture, type SendGridCapture } from '../../helpers/sendgrid-capture';
import { SA, tenantId, tenantSeed, userId } from '../../helpers/tenants';
import { send, waitUntilQueuesEmpty } from './support';

// Shared hosts on a busy 2-core machine: waits are bounded by eventually(), not by vitest's default.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/**
 * R-X5 at the service level: the real @sendgrid/mail, driven by the alert worker through the
 * local host's queue retries, against a capture server scripted to answer 429 with
 * Retry-After, 500, 401 and to time out. Retries never send a second accepted email; failures
 * end recorded in the notification log; nothing stays `sending` and no window stays open.
 */

let service: TestService;
let capture: SendGridCapture;
let next = 130;

beforeAll(async () => {
  capture = await startSendGridCapture();
  service = await startService({
    SENDGRID_API_KEY: 'SG.email-faults-test-key',
    SENDGRID_BASE_URL: capture.url,
  });
});

afterAll(async () => {
  await service?.stop();
  await capture?.stop();
});

interface Tenant {
  n: number;
  admin: string;
  ingester: string;
}

async function tenant(): Promise<Tenant> {
  const n = (next += 1);
  await service.seed(tenantSeed(n, 'p2', 4));
  return {
    n,
    admin: await service.token({ tenantId: tenantId(n), objectId: userId(n, 1), wids: [SA] }),
    ingester: await service.token({ tenantId: tenantId(n), roles: ['IdentityRiskEvent.ReadWrite.All'] }),
  };
}

async function qualify(t: Tenant): Promise<void> {
  const res = await send(
    service,
    t.ingester,
    'POST',
    '/riskloop/riskDetections',
    JSON.stringify({
      value: [
        {
          id: `mail-${t.n}`,
          userId: userId(t.n, 3),
          riskEventType: 'leakedCredentials',
          riskLevel: 'high',
          detectionTimingType: 'offline',
          activity: 'user',
          activityDateTime: '2026-11-20T05:00:00Z',
          detectedDateTime: '2026-11-20T05:00:00Z',
        },
      ],
    }),
  );
  expect(res.status).toBe(202);
}

const requestsOf = (t: Tenant) =>
  capture.requests.filter((r) => JSON.stringify(r.body).includes(`Tenant ${t.n}`));

interface LogEntry {
  outcome: string;
  reason?: string;
}
async function log(t: Tenant): Promise<LogEntry[]> {
  const res = await send(service, t.admin, 'GET', '/riskloop/notifications');
  expect(res.status).toBe(200);
  return (res.json as { value: LogEntry[] }).value;
}

/** Waits for a final outcome in the log, then for the queues to be idle: nothing left to retry. */
async function settled(t: Tenant, timeoutMs: number): Promise<LogEntry[]> {
  const entries = await eventually(
    async () => {
      const all = await log(t);
      return all.length > 0 && all.every((e) => e.outcome !== 'sending') ? all : undefined;
    },
    timeoutMs,
    `a final notification outcome for tenant ${t.n}`,
  );
  await waitUntilQueuesEmpty(service, timeoutMs);
  return entries;
}

describe('R-X5: SendGrid faults, end to end', () => {
  it('429 with Retry-After, then 202: one accepted email, recorded as sent', async () => {
    const t = await tenant();
    capture.script([
      { status: 429, headers: { 'Retry-After': '1' } },
      { status: 429, headers: { 'Retry-After': '1' } },
    ]);
    await qualify(t);
    const entries = await settled(t, 60_000);
    expect(entries.map((e) => e.outcome)).toEqual(['sent']);
    expect(requestsOf(t).map((r) => r.status)).toEqual([429, 429, 202]);
  });

  it('a timeout, then 202: retried, one accepted email', async () => {
    const t = await tenant();
    // Longer than the sender's 10 s timeout: the client gives up on it.
    capture.script([{ status: 202, delayMs: 15_000 }]);
    await qualify(t);
    const entries = await settled(t, 90_000);
    expect(entries.map((e) => e.outcome)).toEqual(['sent']);
    expect(requestsOf(t)).toHaveLength(2);
  });

  it('401: recorded as failed with SendGrid’s reason, not retried', async () => {
    const t = await tenant();
    capture.script([
      { status: 401, body: { errors: [{ message: 'The provided authorization grant is invalid' }] } },
    ]);
    await qualify(t);
    const entries = await settled(t, 60_000);
    expect(entries).toEqual([
      expect.objectContaining({ outcome: 'failed', reason: expect.stringMatching(/401/) }),
    ]);
    await new Promise((r) => setTimeout(r, 6_000));
    expect(requestsOf(t)).toHaveLength(1);
  });

  it('500 on every attempt: retried with back-off across queue deliveries, then recorded as failed; nothing stuck', async () => {
    const t = await tenant();
    capture.script(Array.from({ length: 40 }, () => ({ status: 500 })));
    await qualify(t);
    const entries = await settled(t, 150_000);
    expect(entries).toEqual([
      expect.objectContaining({ outcome: 'failed', reason: expect.stringMatching(/500/) }),
    ]);
    const attempts = requestsOf(t).length;
    expect(attempts).toBeGreaterThan(4);
    // Bounded: no more requests once the failure is recorded.
    await new Promise((r) => setTimeout(r, 8_000));
    expect(requestsOf(t)).toHaveLength(attempts);
    capture.script([]);
    // The next qualifying user of the tenant is alerted normally: no window was left open.
    const res = await send(
      service,
      t.ingester,
      'POST',
      '/riskloop/riskDetections',
      JSON.stringify({
        value: [
          {
            id: `mail-${t.n}-later`,
            userId: userId(t.n, 4),
            riskEventType: 'leakedCredentials',
            riskLevel: 'high',
            detectionTimingType: 'offline',
            activity: 'user',
            activityDateTime: '2026-11-20T06:00:00Z',
            detectedDateTime: '2026-11-20T06:00:00Z',
          },
        ],
      }),
    );
    expect(res.status).toBe(202);
    await eventually(
      async () => ((await log(t)).some((e) => e.outcome === 'sent') ? true : undefined),
      60_000,
    );
  }, 300_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed } from '../../shared/engine/seed';
import { parseCron, previousOccurrence } from '../../shared/domain/ncrontab';
import { ScheduleMonitor } from '../../tools/local-host/schedule-monitor';
import { eventually, startService, type TestService } from '../helpers/service';
import {
  startSendGridCapture,
  type CapturedRequest,
  type SendGridCapture,
} from '../helpers/sendgrid-capture';
import { SA, SR, tenantId, tenantSeed, userId } from '../helpers/tenants';

/**
 * Issue 5 end to end. The schedule is "daily at T", T a little after the test starts, so
 * the real timer fires during the test. Before the host starts, its schedule status says
 * yesterday's run was missed: the host's first act is a past-due run for that week.
 */
let service: TestService;
let capture: SendGridCapture;
// Set when the suite starts (not at import), so a busy machine cannot eat the margin.
let T: Date;
let SCHEDULE: string;
let yesterday: Date;
const A = 61; // licensed, default recipients
const B = 62; // licensed, digest switched off
const C = 63; // unlicensed
const D = 64; // licensed, chosen recipient + custom address

beforeAll(async () => {
  T = new Date(Math.ceil((Date.now() + 45_000) / 1000) * 1000);
  SCHEDULE = `${T.getUTCSeconds()} ${T.getUTCMinutes()} ${T.getUTCHours()} * * *`;
  yesterday = new Date(T.getTime() - 86_400_000);
  capture = await startSendGridCapture();
  service = await startService(
    {
      SENDGRID_API_KEY: 'SG.digest-test-key',
      SENDGRID_BASE_URL: capture.url,
      WEEKLY_DIGEST_SCHEDULE: SCHEDULE,
    },
    async (connectionString) => {
      for (const [n, license] of [
        [A, 'p2'],
        [B, 'p2'],
        [C, 'free'],
        [D, 'entraSuite'],
      ] as const) {
        const seed = tenantSeed(n, license, 6);
        seed.roleAssignments.push({
          roleTemplateId: SR,
          principalId: userId(n, 2),
          principalType: 'user',
          assignmentType: 'active',
          createdDateTime: '2024-01-02T00:00:00.000Z',
        });
        if (n === B)
          seed.settings = { weeklyDigest: { enabled: false, recipientIds: null, customRecipients: [] } };
        if (n === D)
          seed.settings = {
            weeklyDigest: {
              enabled: true,
              recipientIds: [userId(D, 3)],
              customRecipients: ['digest@custom.example'],
            },
          };
        seed.signIns = [
          {
            id: `${n}-risky-signin`,
            userId: userId(n, 4),
            userPrincipalName: `user4@t${n}.example`,
            userDisplayName: 'User 4',
            createdDateTime: new Date(T.getTime() - 3 * 86_400_000).toISOString(),
            ipAddress: '203.0.113.7',
            riskDetections: [{ riskEventType: 'anonymizedIPAddress', riskLevel: 'high' }],
          },
        ];
        await loadSeed(seed);
      }
      // The host "was down" at yesterday's occurrence.
      const monitor = await ScheduleMonitor.open(connectionString, 'riskloop');
      const schedule = parseCron(SCHEDULE);
      const missed = previousOccurrence(schedule, yesterday)!;
      await monitor.updateStatus('weekly-digest', {
        last: new Date(missed.getTime() - 86_400_000),
        next: missed,
        lastUpdated: new Date(missed.getTime() - 86_400_000),
      });
    },
  );
});
afterAll(async () => {
  await service?.stop();
  await capture?.stop();
});

const digestsFor = (n: number): CapturedRequest[] =>
  capture.requests.filter((r) => {
    const body = r.body as { subject: string };
    return /weekly digest/i.test(body.subject) && body.subject.includes(`Tenant ${n}`);
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function log(
  n: number,
): Promise<
  Array<{ type: string; outcome: string; recipients: string[]; period: { start: string; end: string } }>
> {
  const token = await service.token({ tenantId: tenantId(n), objectId: userId(n, 1), wids: [SA] });
  const res = await service.call(token, 'GET', "/riskloop/notifications?$filter=type eq 'weeklyDigest'");
  return (
    (await res.json()) as {
      value: Array<{
        type: string;
        outcome: string;
        recipients: string[];
        period: { start: string; end: string };
      }>;
    }
  ).value;
}

describe('weekly digest (SPEC §6)', () => {
  it('R-D4: the past-due run at start-up sends the missed week once, to licensed tenants with the digest on', async () => {
    await eventually(
      () => (digestsFor(A).length === 1 && digestsFor(D).length === 1 ? true : undefined),
      30_000,
      'past-due digests',
    );
    const missedEnd = previousOccurrence(parseCron(SCHEDULE), yesterday)!.toISOString();
    expect((await log(A))[0]).toMatchObject({ outcome: 'sent', period: { end: missedEnd } });
    // The seeded sign-in (3 days before T) lies in the missed week: R-D2.
    expect(JSON.stringify(digestsFor(A)[0]!.body)).toContain('user4@t61.example');
  });

  it('R-D1/R-D2: the scheduled run sends this week: subject, tenant, new risky users and sign-ins, report links', async () => {
    const ingester = await service.token({
      tenantId: tenantId(A),
      roles: ['IdentityRiskEvent.ReadWrite.All'],
    });
    const detection = {
      id: 'digest-d1',
      userId: userId(A, 5),
      riskEventType: 'leakedCredentials',
      riskLevel: 'high',
      detectionTimingType: 'offline',
      activity: 'user',
      activityDateTime: '2026-11-20T05:00:00Z',
      detectedDateTime: '2026-11-20T05:00:00Z',
    };
    expect(
      (await service.call(ingester, 'POST', '/riskloop/riskDetections', { value: [detection] })).status,
    ).toBe(202);
    await eventually(async () => {
      const res = await service.call(
        await service.token({ tenantId: tenantId(A), objectId: userId(A, 1), wids: [SA] }),
        'GET',
        `/identityProtection/riskyUsers/${userId(A, 5)}`,
      );
      return res.status === 200 ? true : undefined;
    });
    await eventually(() => (digestsFor(A).length === 2 ? true : undefined), 90_000, 'scheduled digest');
    const body = digestsFor(A)[1]!.body as {
      subject: string;
      content: Array<{ type: string; value: string }>;
    };
    expect(body.subject).toMatch(/weekly digest/i);
    expect(body.subject).toContain('Tenant 61');
    const html = body.content.find((c) => c.type === 'text/html')!.value;
    expect(html).toContain(`user5@t${A}.example`);
    expect(html).toMatch(/RiskyUsers/);
    expect(html).toMatch(/RiskySignIns/);
    expect(html).toMatch(/RiskDetections/);
  }, 150_000); // waits for T (about 45 s away), then up to 90 s for the digest

  it('R-D4: running it again by hand (twice) sends nothing more', async () => {
    await eventually(() => (digestsFor(D).length === 2 ? true : undefined), 60_000, 'scheduled digest for D');
    for (let i = 0; i < 2; i += 1) {
      const res = await fetch(`${service.url}/admin/functions/weekly-digest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: '' }),
      });
      expect(res.status).toBe(202);
    }
    await sleep(8000);
    expect(digestsFor(A)).toHaveLength(2);
    expect(digestsFor(D)).toHaveLength(2);
  });

  it('R-D1: the timer is retried when its fan-out fails (Azure runs a failed occurrence once otherwise)', async () => {
    const registrations = (await (await fetch(`${service.url}/admin/functions`)).json()) as Array<{
      name: string;
      retryOptions?: Record<string, unknown>;
    }>;
    expect(registrations.find((r) => r.name === 'weekly-digest')?.retryOptions).toMatchObject({
      retryStrategy: 'exponentialBackoff',
      maxRetryCount: 5,
      minimumInterval: { seconds: 10 },
      maximumInterval: { seconds: 300 },
    });
  });

  it('R-D1/R-D3: unlicensed and switched-off tenants get nothing; chosen recipients and custom addresses are honoured', () => {
    expect(digestsFor(B)).toHaveLength(0);
    expect(digestsFor(C)).toHaveLength(0);
    const toD = digestsFor(D).map((r) =>
      (r.body as { personalizations: Array<{ to: Array<{ email: string }> }> }).personalizations.map(
        (p) => p.to[0]!.email,
      ),
    );
    // D's digests arrived in the tests above (the past-due one and the scheduled one).
    expect(toD).toEqual([
      [`user3@t${D}.example`, 'digest@custom.example'],
      [`user3@t${D}.example`, 'digest@custom.example'],
    ]);
    const toA = (
      digestsFor(A)[0]!.body as { personalizations: Array<{ to: Array<{ email: string }> }> }
    ).personalizations.map((p) => p.to[0]!.email);
    expect(toA).toEqual([`user1@t${A}.example`, `user2@t${A}.example`]);
  });
});

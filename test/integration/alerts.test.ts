import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, settledUser, startService, type TestService } from '../helpers/service';
import {
  startSendGridCapture,
  type CapturedRequest,
  type SendGridCapture,
} from '../helpers/sendgrid-capture';
import { GA, SA, SR, tenantId, tenantSeed, userId } from '../helpers/tenants';
import type { SeedFile } from '../../shared/domain/seed-file';

/**
 * Issue 4 end to end: the local host, real Azurite and the real @sendgrid/mail aimed at a
 * capture server. Each test uses its own tenant, so windows never mix.
 */
let service: TestService;
let capture: SendGridCapture;
let next = 40;
/**
 * R-E5's window, longer here than the default 5 s: a burst's last user, ingested a second
 * after the first, then queued and rescored, must still land in the first window on a
 * stalled 2-core machine. The 5 s default itself is tested in alert-window.test.ts.
 */
const WINDOW_MS = 10_000;

beforeAll(async () => {
  capture = await startSendGridCapture();
  service = await startService({
    SENDGRID_API_KEY: 'SG.integration-test-key',
    SENDGRID_BASE_URL: capture.url,
    EMAIL_FROM: 'alerts@riskloop.example',
    ALERT_WINDOW_SECONDS: String(WINDOW_MS / 1000),
  });
});
afterAll(async () => {
  await service?.stop();
  await capture?.stop();
});

interface Tenant {
  id: string;
  n: number;
  seed: SeedFile;
  ingester: string;
  admin: string;
}

/** A licensed tenant with a Global Administrator (user 1), a Security Reader (user 2, mail only in otherMails) and 20 users. */
async function newTenant(
  license: SeedFile['tenant']['license'] = 'p2',
  minRiskLevel: 'low' | 'medium' | 'high' = 'high',
): Promise<Tenant> {
  const n = (next += 1);
  const seed = tenantSeed(n, license, 22);
  seed.users[1] = { ...seed.users[1]!, mail: '', otherMails: [`reader${n}@contact.example`] };
  seed.roleAssignments.push({
    roleTemplateId: SR,
    principalId: userId(n, 2),
    principalType: 'user',
    assignmentType: 'active',
    createdDateTime: '2024-01-02T00:00:00.000Z',
  });
  seed.settings = {
    usersAtRiskAlert: {
      minRiskLevel,
      disabledRecipientIds: [],
      customRecipients: [`soc${n}@custom.example`],
    },
  };
  await service.seed(seed);
  return {
    id: tenantId(n),
    n,
    seed,
    ingester: await service.token({ tenantId: tenantId(n), roles: ['IdentityRiskEvent.ReadWrite.All'] }),
    admin: await service.token({ tenantId: tenantId(n), objectId: userId(n, 1), wids: [SA] }),
  };
}

const detection = (
  t: Tenant,
  id: string,
  user: number,
  level: 'low' | 'medium' | 'high',
  activity = '2026-11-20T05:10:00Z',
) => ({
  id: `${t.n}-${id}`,
  userId: userId(t.n, user),
  riskEventType: 'leakedCredentials',
  riskLevel: level,
  detectionTimingType: 'offline',
  activity: 'user',
  activityDateTime: activity,
  detectedDateTime: activity,
});

async function ingest(t: Tenant, value: unknown[]): Promise<void> {
  const res = await service.call(t.ingester, 'POST', '/riskloop/riskDetections', { value });
  expect(res.status).toBe(202);
}

const forTenant = (t: Tenant) => (r: CapturedRequest) =>
  JSON.stringify(r.body).includes(t.seed.tenant.displayName);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until SendGrid has received `count` requests for the tenant (a window closes, then it sends). */
const emailsReach = (t: Tenant, count: number) =>
  eventually(
    () => (capture.requests.filter(forTenant(t)).length === count ? true : undefined),
    WINDOW_MS + 15_000,
    `${count} alert email(s)`,
  );

interface MailBody {
  personalizations: Array<{ to: Array<{ email: string }> }>;
  from: { email: string };
  subject: string;
  content: Array<{ type: string; value: string }>;
}

async function notifications(t: Tenant): Promise<
  Array<{
    type: string;
    outcome: string;
    users: Array<{ id: string }>;
    recipients: string[];
    reason?: string;
  }>
> {
  const res = await service.call(t.admin, 'GET', '/riskloop/notifications');
  expect(res.status).toBe(200);
  return (
    (await res.json()) as {
      value: Array<{ type: string; outcome: string; users: Array<{ id: string }>; recipients: string[] }>;
    }
  ).value;
}

describe('users at risk detected (SPEC §5)', () => {
  it('R-E5: a burst of qualifying users within the window → one request naming all, one personalization per recipient (R-E6, R-E7)', async () => {
    const t = await newTenant();
    await ingest(t, [detection(t, 'a', 5, 'high'), detection(t, 'b', 6, 'high')]);
    await sleep(1000);
    await ingest(t, [detection(t, 'c', 7, 'high'), detection(t, 'low', 8, 'low')]);
    const [mail] = await eventually(
      () => {
        const got = capture.requests.filter(forTenant(t));
        return got.length >= 1 ? got : undefined;
      },
      WINDOW_MS + 15_000,
      'alert email',
    );
    await sleep(WINDOW_MS + 2000);
    expect(capture.requests.filter(forTenant(t))).toHaveLength(1);
    const body = mail!.body as MailBody;
    expect(mail!.headers.authorization).toBe('Bearer SG.integration-test-key');
    expect(body.from.email).toBe('alerts@riskloop.example');
    expect(body.subject).toMatch(/at risk detected/);
    expect(body.personalizations.map((p) => p.to.map((x) => x.email))).toEqual([
      [`user1@t${t.n}.example`],
      [`reader${t.n}@contact.example`],
      [`soc${t.n}@custom.example`],
    ]);
    const html = body.content.find((c) => c.type === 'text/html')!.value;
    for (const u of [5, 6, 7]) expect(html).toContain(`user${u}@t${t.n}.example`);
    expect(html).not.toContain(`user8@t${t.n}.example`); // below the default threshold (R-E2)
    const log = await notifications(t);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ type: 'usersAtRisk', outcome: 'sent' });
    expect(log[0]!.users.map((u) => u.id).sort()).toEqual([5, 6, 7].map((u) => userId(t.n, u)));
  });

  it('R-E5: two bursts a window apart → two emails, nobody twice', async () => {
    const t = await newTenant();
    await ingest(t, [detection(t, 'a', 5, 'high')]);
    await emailsReach(t, 1);
    await sleep(WINDOW_MS + 1000);
    await ingest(t, [detection(t, 'b', 6, 'high')]);
    await emailsReach(t, 2);
    const [first, second] = capture.requests.filter(forTenant(t)).map((r) => JSON.stringify(r.body));
    expect(first).toContain(`user5@t${t.n}.example`);
    expect(second).toContain(`user6@t${t.n}.example`);
    expect(second).not.toContain(`user5@t${t.n}.example`);
  });

  it('R-E1: an unlicensed tenant gets no email', async () => {
    const t = await newTenant('p1');
    await ingest(t, [detection(t, 'a', 5, 'high')]);
    await eventually(async () => {
      const res = await service.call(t.admin, 'GET', `/identityProtection/riskyUsers/${userId(t.n, 5)}`);
      return res.status === 200 ? true : undefined;
    });
    await sleep(WINDOW_MS + 3000);
    expect(capture.requests.filter(forTenant(t))).toHaveLength(0);
    expect(await notifications(t)).toEqual([]);
  });

  it('R-E4 / R-X3: a repeated detection and an older offline result send no second email', async () => {
    const t = await newTenant();
    await ingest(t, [detection(t, 'sign-in-510', 5, 'high', '2026-11-20T05:10:00Z')]);
    await emailsReach(t, 1);
    await ingest(t, [detection(t, 'sign-in-510', 5, 'high', '2026-11-20T05:10:00Z')]); // the same id again
    await ingest(t, [detection(t, 'offline-500', 5, 'high', '2026-11-20T05:00:00Z')]); // 5:15 result for a 5:00 activity
    await sleep(WINDOW_MS + 3000);
    expect(capture.requests.filter(forTenant(t))).toHaveLength(1);
  });

  it('R-E4 / R-X3: a detection sent again after an alert for an older activity sends no second email', async () => {
    const t = await newTenant();
    const settled = (level: string) => settledUser(service, t.admin, userId(t.n, 5), level);
    // Activity at 5:10, below the threshold: scored, no email.
    await ingest(t, [detection(t, 'late-low', 5, 'low', '2026-11-20T05:10:00Z')]);
    await settled('low');
    // Activity at 5:05, high: the user qualifies, for an activity older than 5:10.
    await ingest(t, [detection(t, 'early-high', 5, 'high', '2026-11-20T05:05:00Z')]);
    await emailsReach(t, 1);
    // The source sends the 5:10 detection again, unchanged: nothing new happened.
    await ingest(t, [detection(t, 'late-low', 5, 'low', '2026-11-20T05:10:00Z')]);
    await settled('high');
    await sleep(WINDOW_MS + 3000);
    expect(capture.requests.filter(forTenant(t))).toHaveLength(1);
    expect(await notifications(t)).toHaveLength(1);
  });

  it('R-F7: feedback alone never triggers an alert; confirm compromised does, through its detection', async () => {
    const t = await newTenant('p2', 'medium');
    await ingest(t, [detection(t, 'm', 9, 'low')]);
    await sleep(2000);
    expect(
      (
        await service.call(t.admin, 'POST', '/identityProtection/riskyUsers/dismiss', {
          userIds: [userId(t.n, 9)],
        })
      ).status,
    ).toBe(204);
    await sleep(WINDOW_MS + 2000);
    expect(capture.requests.filter(forTenant(t))).toHaveLength(0);
    expect(
      (
        await service.call(t.admin, 'POST', '/identityProtection/riskyUsers/confirmCompromised', {
          userIds: [userId(t.n, 9)],
        })
      ).status,
    ).toBe(204);
    await emailsReach(t, 1);
  });

  it('R-X5: SendGrid 503 then 202 → exactly one email', async () => {
    const t = await newTenant();
    capture.script([{ status: 503 }, { status: 202 }]);
    await ingest(t, [detection(t, 'a', 5, 'high')]);
    const got = await eventually(() => {
      const all = capture.requests.filter(forTenant(t));
      return all.length === 2 ? all : undefined;
    }, WINDOW_MS + 20_000);
    expect(got.map((r) => r.status)).toEqual([503, 202]);
    await eventually(async () => ((await notifications(t))[0]?.outcome === 'sent' ? true : undefined));
    await sleep(3000);
    expect(capture.requests.filter(forTenant(t))).toHaveLength(2);
  });

  it('R-X5: SendGrid 400 → recorded as failed, not retried', async () => {
    const t = await newTenant();
    capture.script([
      {
        status: 400,
        body: { errors: [{ message: 'The from address does not match a verified Sender Identity.' }] },
      },
    ]);
    await ingest(t, [detection(t, 'a', 5, 'high')]);
    const log = await eventually(async () => {
      const entries = await notifications(t);
      return entries[0]?.outcome === 'failed' ? entries : undefined;
    }, WINDOW_MS + 20_000);
    expect(log[0]!.reason).toMatch(/verified Sender Identity/);
    await sleep(3000);
    expect(capture.requests.filter(forTenant(t))).toHaveLength(1);
  });
});

describe('alert settings and recipients (SPEC §7)', () => {
  it('GET/PATCH usersAtRiskAlert; only Security/Global Administrators may change it', async () => {
    const t = await newTenant();
    const reader = await service.token({ tenantId: t.id, objectId: userId(t.n, 2), wids: [SR] });
    const get = await service.call(reader, 'GET', '/riskloop/settings/usersAtRiskAlert');
    expect(await get.json()).toEqual({
      minRiskLevel: 'high',
      disabledRecipientIds: [],
      customRecipients: [`soc${t.n}@custom.example`],
    });
    expect(
      (await service.call(reader, 'PATCH', '/riskloop/settings/usersAtRiskAlert', { minRiskLevel: 'low' }))
        .status,
    ).toBe(403);
    const bad = await service.call(t.admin, 'PATCH', '/riskloop/settings/usersAtRiskAlert', {
      minRiskLevel: 'none',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/minRiskLevel/);
    const ok = await service.call(t.admin, 'PATCH', '/riskloop/settings/usersAtRiskAlert', {
      minRiskLevel: 'medium',
      disabledRecipientIds: [userId(t.n, 2)],
    });
    expect(await ok.json()).toMatchObject({ minRiskLevel: 'medium', disabledRecipientIds: [userId(t.n, 2)] });
  });

  it('GET .../recipients names each recipient with why it is there, and who is left out', async () => {
    const t = await newTenant();
    const ga = await service.token({ tenantId: t.id, objectId: userId(t.n, 1), wids: [GA] });
    const res = await service.call(ga, 'GET', '/riskloop/settings/usersAtRiskAlert/recipients');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      value: Array<{ address: string; reasons: Array<{ roleName: string }>; custom: boolean }>;
    };
    expect(body.value).toEqual([
      expect.objectContaining({
        address: `user1@t${t.n}.example`,
        reasons: [expect.objectContaining({ roleName: 'Global Administrator', assignmentType: 'active' })],
      }),
      expect.objectContaining({
        address: `reader${t.n}@contact.example`,
        reasons: [expect.objectContaining({ roleName: 'Security Reader' })],
      }),
      expect.objectContaining({ address: `soc${t.n}@custom.example`, custom: true }),
    ]);
  });
});

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEV_KEY } from '../../../tools/azurite';
import { eventually, startService, type TestService } from '../../helpers/service';
import { startSendGridCapture, type SendGridCapture } from '../../helpers/sendgrid-capture';
import { SA, SR, tenantId, tenantSeed, userId } from '../../helpers/tenants';
import { send, waitUntilQueuesEmpty } from './support';

// Shared hosts on a busy 2-core machine: waits are bounded by eventually(), not by vitest's default.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

/**
 * R-X7: flows that touch every secret — the SendGrid API key (a recognisable fake), bearer
 * tokens (good, expired, forged), the dev signing key and the storage account key — run with
 * every log captured: the local host's output and this process's console. No secret appears
 * in any log line or in any response (body or header).
 */

const API_KEY = 'SG.riskloopFAKEkey.never-to-be-logged-0f1e2d3c4b5a';
const T = 141;
let service: TestService;
let capture: SendGridCapture;
const consoleLines: string[] = [];
const responses: string[] = [];

beforeAll(async () => {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level].bind(console);
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      consoleLines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      original(...args);
    });
  }
  capture = await startSendGridCapture();
  service = await startService({ SENDGRID_API_KEY: API_KEY, SENDGRID_BASE_URL: capture.url });
});

afterAll(async () => {
  vi.restoreAllMocks();
  await service?.stop();
  await capture?.stop();
});

async function call(
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<number> {
  const res = await send(service, token, method, path, body === undefined ? undefined : JSON.stringify(body));
  responses.push(`${res.status} ${JSON.stringify([...res.headers])} ${res.text}`);
  return res.status;
}

describe('R-X7: no secret is ever logged or returned', () => {
  it('through ingestion, feedback, reads, refused tokens and a SendGrid error that quotes the key', async () => {
    const seed = tenantSeed(T, 'p2', 5);
    seed.settings = {
      usersAtRiskAlert: {
        minRiskLevel: 'low',
        disabledRecipientIds: [],
        customRecipients: ['soc@t141.example'],
      },
    };
    await service.seed(seed);
    const admin = await service.token({ tenantId: tenantId(T), objectId: userId(T, 1), wids: [SA] });
    const reader = await service.token({ tenantId: tenantId(T), objectId: userId(T, 2), wids: [SR] });
    const ingester = await service.token({
      tenantId: tenantId(T),
      roles: ['IdentityRiskEvent.ReadWrite.All'],
    });
    const shortLived = await service.token({
      tenantId: tenantId(T),
      objectId: userId(T, 1),
      wids: [SA],
      minutes: 1,
    });
    const jwk = JSON.parse(fs.readFileSync(service.keyFile, 'utf8')) as { d: string };
    const [h, p, s] = admin.split('.');
    const tampered = `${h}.${p!.slice(0, -2)}xx.${s}`;

    // SendGrid answers 401 quoting the key it was given, then 500s: both reasons end in the log.
    capture.script([
      { status: 401, body: { errors: [{ message: `The API key ${API_KEY} is not valid`, field: null }] } },
    ]);
    const detection = (id: string, user: number, minute: number) => ({
      id,
      userId: userId(T, user),
      riskEventType: 'leakedCredentials',
      riskLevel: 'high',
      detectionTimingType: 'offline',
      activity: 'user',
      activityDateTime: new Date(Date.UTC(2026, 10, 20, 5, minute)).toISOString(),
      detectedDateTime: new Date(Date.UTC(2026, 10, 20, 5, minute)).toISOString(),
    });
    expect(
      await call(ingester, 'POST', '/riskloop/riskDetections', { value: [detection('sec-1', 3, 1)] }),
    ).toBe(202);
    await eventually(async () => {
      const res = await send(service, admin, 'GET', '/riskloop/notifications');
      return (res.json as { value: Array<{ outcome: string }> }).value.some((n) => n.outcome === 'failed')
        ? true
        : undefined;
    }, 30_000);
    expect(await call(admin, 'GET', '/riskloop/notifications')).toBe(200);

    expect(
      await call(admin, 'POST', '/identityProtection/riskyUsers/confirmCompromised', {
        userIds: [userId(T, 3)],
      }),
    ).toBe(204);
    expect(
      await call(admin, 'POST', '/identityProtection/riskyUsers/dismiss', { userIds: [userId(T, 9)] }),
    ).toBe(404);
    expect(
      await call(reader, 'POST', '/identityProtection/riskyUsers/dismiss', { userIds: [userId(T, 3)] }),
    ).toBe(403);
    for (const path of [
      '/identityProtection/riskyUsers',
      `/identityProtection/riskyUsers/${userId(T, 3)}/history`,
      '/identityProtection/riskDetections',
      '/auditLogs/signIns',
      '/riskloop/settings/usersAtRiskAlert',
      '/riskloop/settings/usersAtRiskAlert/recipients',
      '/riskloop/health',
    ]) {
      expect(await call(reader, 'GET', path)).toBe(200);
    }
    expect(await call(reader, 'GET', '/identityProtection/riskyUsers?$skiptoken=garbage')).toBe(400);
    // Refused tokens: tampered, unknown scheme, garbage, and a key where a token belongs.
    expect(await call(tampered, 'GET', '/identityProtection/riskyUsers')).toBe(401);
    for (const header of [
      `Basic ${admin}`,
      `Bearer ${admin} ${admin}`,
      `Bearer ${API_KEY}`,
      `Bearer ${jwk.d}`,
    ]) {
      const res = await send(service, undefined, 'GET', '/identityProtection/riskyUsers', undefined, {
        authorization: header,
      });
      responses.push(`${res.status} ${JSON.stringify([...res.headers])} ${res.text}`);
      expect(res.status).toBe(401);
    }
    await waitUntilQueuesEmpty(service);

    const secrets: Array<[string, string]> = [
      ['SendGrid API key', API_KEY],
      ['SendGrid API key (secret part)', API_KEY.split('.').at(-1)!],
      ['dev signing key d', jwk.d],
      ['storage account key', DEV_KEY],
      ...[admin, reader, ingester, shortLived].map((t, i): [string, string] => [
        `token ${i} signature`,
        t.split('.')[2]!,
      ]),
      ['tampered token', tampered],
    ];
    const logs = [...service.host.output().split('\n'), ...consoleLines];
    expect(logs.length).toBeGreaterThan(20);
    for (const [name, secret] of secrets) {
      expect(
        logs.filter((line) => line.includes(secret)),
        `${name} in a log line`,
      ).toEqual([]);
      expect(
        responses.filter((r) => r.includes(secret)),
        `${name} in a response`,
      ).toEqual([]);
    }
    // The capture server did receive the key: the check above is not vacuous.
    expect(capture.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });
});

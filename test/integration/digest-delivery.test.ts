import { RestError } from '@azure/data-tables';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DigestMessage } from '../../shared/domain/messages';
import { handleDigestMessage } from '../../shared/engine/digest-worker';
import { ingestDetections } from '../../shared/engine/ingest';
import { handleRescoreMessage } from '../../shared/engine/rescore-worker';
import { loadSeed } from '../../shared/engine/seed';
import { getStorage, queues } from '../../shared/storage/clients';
import { readDigestClaim, writeDigestClaim } from '../../shared/storage/digest-store';
import { getNotification, notificationKey } from '../../shared/storage/notification-store';
import {
  drainQueue,
  offlineDetection,
  useInProcessStorage,
  lastDeliveryWithTablesDown,
} from '../helpers/in-process';
import { startSendGridCapture, type SendGridCapture } from '../helpers/sendgrid-capture';
import { tenantId, tenantSeed, userId } from '../helpers/tenants';

/**
 * One tenant's weekly digest message, delivered by the test itself (no host), with the
 * real @sendgrid/mail aimed at the capture server: what the log says after a redelivery,
 * a last delivery that SendGrid refuses, and messages that must change nothing.
 */
let capture: SendGridCapture;
let next = 80;

beforeAll(async () => {
  capture = await startSendGridCapture();
  process.env.SENDGRID_BASE_URL = capture.url;
});
useInProcessStorage('digest-delivery', tenantSeed(next, 'p2', 2));
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  await capture?.stop();
});

/** A tenant whose first `risky` users turned risky just now (rescored in this process). */
async function tenantWithRiskyUsers(risky: number): Promise<number> {
  const n = (next += 1);
  await loadSeed(tenantSeed(n, 'p2', risky + 1));
  const users = Array.from({ length: risky }, (_, i) => userId(n, i + 2));
  await ingestDetections(
    tenantId(n),
    users.map((u, i) => offlineDetection(`digest-${n}-${i}`, u)),
  );
  for (const message of await drainQueue(queues.rescore)) await handleRescoreMessage(message);
  return n;
}

/** The week around now, named as digestPeriod names weeks (by its end). */
function messageFor(n: number): DigestMessage {
  const end = new Date(Date.now() + 3_600_000).toISOString();
  return {
    type: 'weeklyDigest',
    tenantId: tenantId(n),
    runId: `run-${n}`,
    period: { weekId: end, start: new Date(Date.now() - 3_600_000).toISOString(), end },
  };
}

const logEntryOf = (message: DigestMessage) =>
  getNotification(message.tenantId, notificationKey(message.period.end, `digest-${message.period.weekId}`));
const emailsFor = (n: number) =>
  capture.requests.filter((r) => r.status === 202 && JSON.stringify(r.body).includes(`Tenant ${n}`));

describe('weekly digest delivery (SPEC §6, R-X5)', () => {
  it('the log entry names every new risky user, not only the ones the email lists', async () => {
    const n = await tenantWithRiskyUsers(12);
    const message = messageFor(n);
    expect(await handleDigestMessage(message)).toMatchObject({ outcome: 'sent', users: 12 });
    expect(emailsFor(n)).toHaveLength(1);
    const entry = await logEntryOf(message);
    expect(entry!.users.map((u) => u.id).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => userId(n, i + 2)).sort(),
    );
  });

  it('R-D4: a redelivery after the digest was recorded keeps the log entry as it was, and sends nothing', async () => {
    const n = await tenantWithRiskyUsers(1);
    const message = messageFor(n);
    expect(await handleDigestMessage(message)).toMatchObject({ outcome: 'sent' });
    const sentEntry = await logEntryOf(message);
    expect(sentEntry).toMatchObject({ outcome: 'sent', recipients: [`user1@t${n}.example`] });
    // The worker stopped after recording, before closing the claim: the claim is still `sending`.
    const done = (await readDigestClaim(tenantId(n), message.period.weekId))!;
    await writeDigestClaim(tenantId(n), message.period.weekId, done, {
      state: 'sending',
      runId: done.runId,
      claimedAt: done.claimedAt,
    });

    expect(await handleDigestMessage(message, 2)).toEqual({ outcome: 'alreadySent' });
    expect(await logEntryOf(message)).toEqual(sentEntry);
    expect(emailsFor(n)).toHaveLength(1);
    expect(await readDigestClaim(tenantId(n), message.period.weekId)).toMatchObject({
      state: 'done',
      outcome: 'sent',
    });
  });

  it('R-X6: a week claim storage committed but whose answer was lost (the retry answered 409) is still this run’s: the digest goes out', async () => {
    const n = await tenantWithRiskyUsers(1);
    const message = messageFor(n);
    const client = getStorage().tables.of(tenantId(n));
    const create = client.createEntity.bind(client);
    let lost = 0;
    vi.spyOn(client, 'createEntity').mockImplementation(async (entity, options) => {
      if (lost > 0) return create(entity, options);
      lost += 1;
      await create(entity, options);
      throw new RestError('The specified entity already exists.', { statusCode: 409 });
    });
    expect(await handleDigestMessage(message)).toMatchObject({ outcome: 'sent', users: 1 });
    expect(lost).toBe(1);
    expect(emailsFor(n)).toHaveLength(1);
    expect(await readDigestClaim(tenantId(n), message.period.weekId)).toMatchObject({ state: 'done' });
  });

  it('R-X5: SendGrid failing on the last delivery is recorded as failed, not thrown into the poison queue', async () => {
    const n = await tenantWithRiskyUsers(1);
    const message = messageFor(n);
    // Every attempt of one send (4) answered 500: an earlier delivery throws for the queue to retry…
    capture.script(Array.from({ length: 4 }, () => ({ status: 500 })));
    await expect(handleDigestMessage(message, 1)).rejects.toThrow(/the queue will retry/);
    expect(await logEntryOf(message)).toBeUndefined();
    // …the last one records the failure and closes the week.
    capture.script(Array.from({ length: 4 }, () => ({ status: 500 })));
    expect(await handleDigestMessage(message, 5)).toMatchObject({ outcome: 'failed', users: 1 });
    expect(await logEntryOf(message)).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/500.*not retried further \(last queue delivery\)/),
    });
    expect(await readDigestClaim(tenantId(n), message.period.weekId)).toMatchObject({ state: 'done' });
    expect(emailsFor(n)).toHaveLength(0);
  });

  it('R-X6 / R-D4: tables failing on the last delivery put the message back for later; the same run then sends the week once', async () => {
    const n = await tenantWithRiskyUsers(1);
    const message = messageFor(n);
    const again = await lastDeliveryWithTablesDown(queues.digest, message, (dequeueCount) =>
      handleDigestMessage(message, dequeueCount),
    );

    // Storage is back when it comes round: the week goes out, once.
    expect(await handleDigestMessage(again)).toMatchObject({ outcome: 'sent', users: 1 });
    expect(await handleDigestMessage(again, 2)).toEqual({ outcome: 'alreadySent' });
    expect(emailsFor(n)).toHaveLength(1);
  });

  it('R-X2: a message for a tenant never onboarded changes nothing; a malformed week goes to poison', async () => {
    const stranger = { ...messageFor(next + 1000), tenantId: tenantId(next + 1000) };
    expect(await handleDigestMessage(stranger)).toEqual({ outcome: 'skipped' });
    expect(await readDigestClaim(stranger.tenantId, stranger.period.weekId)).toBeUndefined();

    const n = await tenantWithRiskyUsers(1);
    const malformed = { ...messageFor(n), period: { weekId: 'week/1', start: 'monday', end: 'sunday' } };
    expect(await handleDigestMessage(malformed)).toMatchObject({
      outcome: 'poisoned',
      reason: expect.stringMatching(/period/),
    });
    expect(await drainQueue(`${queues.digest}-poison`)).toEqual([
      expect.objectContaining({ message: malformed }),
    ]);
  });
});

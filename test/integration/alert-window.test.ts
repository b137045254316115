import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RestError } from '@azure/data-tables';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetConfigForTests } from '../../shared/config';
import { loadSeed } from '../../shared/engine/seed';
import { handleAlertMessage } from '../../shared/engine/alert-worker';
import { ensureAlertWindow, sendAlertWindow } from '../../shared/engine/alerts';
import { listNotifications } from '../../shared/engine/reads';
import {
  pendingAlertWrite,
  readPendingAlerts,
  readWindow,
  replaceWindow,
  type WindowRow,
} from '../../shared/storage/alert-store';
import { ensureStorage, getStorage, queues } from '../../shared/storage/clients';
import { partitions } from '../../shared/storage/keys';
import { getNotification, notificationKey, putNotification } from '../../shared/storage/notification-store';
import { submitGroups, submitGroupsByPartition } from '../../shared/storage/table';
import { putSettings } from '../../shared/storage/settings-store';
import { getTenant } from '../../shared/storage/tenant-store';
import { startAzurite, type AzuriteInstance } from '../../tools/azurite';
import { lastDeliveryWithTablesDown } from '../helpers/in-process';
import { startSendGridCapture, type SendGridCapture } from '../helpers/sendgrid-capture';
import { tenantId, tenantSeed, userId } from '../helpers/tenants';

/**
 * The alert window's timing (R-E5), driven directly against a real Azurite and the real
 * @sendgrid/mail aimed at the capture server. No local host runs here, so nothing else
 * takes the alerts queue's messages: each test calls the sender itself, at a chosen moment.
 */
let azurite: AzuriteInstance;
let capture: SendGridCapture;
let dir: string;
let next = 60;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskloop-window-'));
  azurite = await startAzurite();
  capture = await startSendGridCapture();
  Object.assign(process.env, {
    AzureWebJobsStorage: azurite.connectionString,
    SENDGRID_API_KEY: 'SG.window-test-key',
    SENDGRID_BASE_URL: capture.url,
    EMAIL_OUTBOX_DIR: path.join(dir, 'outbox'),
    ALERT_WINDOW_SECONDS: '5',
  });
  resetConfigForTests();
  await ensureStorage();
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  await capture?.stop();
  await azurite?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function newTenant(): Promise<{ n: number; id: string }> {
  const n = (next += 1);
  await loadSeed(tenantSeed(n, 'p2', 6));
  return { n, id: tenantId(n) };
}

const waiting = (tenant: { n: number; id: string }, user: number, at: Date) =>
  pendingAlertWrite(tenant.id, {
    userId: userId(tenant.n, user),
    userPrincipalName: `user${user}@t${tenant.n}.example`,
    // Long names, as a directory may have them: they make the log entry long too.
    displayName: `User ${user} ${'of a department with a very long name '.repeat(3)}`,
    riskLevel: 'high',
    qualifiedAt: at.toISOString(),
    activityDateTime: '2026-11-20T05:10:00.000Z',
  });

/** Many users waiting in the tenant's window since `at`, as their rescores leave them. */
async function qualifyAll(
  tenant: { n: number; id: string },
  users: readonly number[],
  at: Date,
): Promise<void> {
  await submitGroupsByPartition(
    getStorage().tables,
    users.map((u) => [waiting(tenant, u, at)]),
  );
}

async function qualify(tenant: { n: number; id: string }, user: number, at: Date): Promise<void> {
  await submitGroups(getStorage().tables, [[waiting(tenant, user, at)]]);
}

/** A new tenant whose user 3 qualified 5 s ago, and the window that opened for it, due now. */
async function windowDueNow(): Promise<{ t: { n: number; id: string }; window: WindowRow }> {
  const t = await newTenant();
  const opened = new Date(Date.now() - 5_000);
  await qualify(t, 3, opened);
  await ensureAlertWindow(t.id, new Date(), opened);
  return { t, window: (await readWindow(t.id))! };
}

const forTenant = (n: number) =>
  capture.requests.filter((r) => JSON.stringify(r.body).includes(`Tenant ${n}`));

/**
 * What a sender killed while SendGrid had its email leaves behind: the window claimed
 * (`sending`, with its log key), the log entry `sending` naming the users (or `recorded`, for
 * a sender killed after recording the answer), and the users still pending.
 */
async function killedWhileSending(
  t: { n: number; id: string },
  users: readonly number[],
  claimedAt: Date,
  recorded: 'sending' | 'sent' = 'sending',
): Promise<WindowRow> {
  const opened = new Date(claimedAt.getTime() - 5_000);
  await qualifyAll(t, users, opened);
  await ensureAlertWindow(t.id, claimedAt, opened);
  const window = (await readWindow(t.id))!;
  const key = notificationKey(claimedAt.toISOString(), window.windowId);
  const claimed = await replaceWindow(t.id, window, {
    ...window,
    state: 'sending',
    claimedAt: claimedAt.toISOString(),
    notificationKey: key,
  });
  const pending = await readPendingAlerts(t.id);
  await putNotification(t.id, key, {
    id: window.windowId,
    type: 'usersAtRisk',
    dateTime: claimedAt.toISOString(),
    users: pending.map((p) => ({
      id: p.userId,
      userPrincipalName: p.userPrincipalName,
      displayName: p.displayName,
      riskLevel: p.riskLevel,
    })),
    recipients: ['secadmin@example.com'],
    outcome: recorded,
  });
  return claimed!;
}

describe('alert window timing (SPEC §5)', () => {
  it('R-E5: rescores that qualify together in one process open one window, with one message on the queue', async () => {
    const t = await newTenant();
    const alerts = getStorage().queue(queues.alerts);
    const messages = async (): Promise<number> =>
      (await alerts.getProperties()).approximateMessagesCount ?? Number.NaN;
    const before = await messages();
    const opened = new Date(Date.now() - 5_000);
    const users = Array.from({ length: 15 }, (_, i) => i + 3);
    await qualifyAll(t, users, opened);
    // A batch of 15 rescores, each opening the window after its commit.
    await Promise.all(users.map(() => ensureAlertWindow(t.id, new Date(), opened)));
    expect(await messages()).toBe(before + 1);
    const window = (await readWindow(t.id))!;
    expect(window).toMatchObject({ state: 'open', openedAt: opened.toISOString() });

    const outcome = await sendAlertWindow({ type: 'alertWindow', tenantId: t.id, windowId: window.windowId });
    expect(outcome).toMatchObject({ outcome: 'sent', users: 15 });
    expect(forTenant(t.n)).toHaveLength(1);
  });

  it('R-X6 / R-E5: tables failing on the last delivery put the message back for later; it then sends the window once', async () => {
    const { t, window } = await windowDueNow();
    const message = { type: 'alertWindow' as const, tenantId: t.id, windowId: window.windowId };
    const again = await lastDeliveryWithTablesDown(queues.alerts, message, (dequeueCount) =>
      handleAlertMessage(message, dequeueCount),
    );
    expect(forTenant(t.n)).toHaveLength(0);

    // Storage is back when it comes round: the user waiting in the window is emailed, once.
    expect(await handleAlertMessage(again)).toMatchObject({ outcome: 'sent', users: 1 });
    expect(await handleAlertMessage(again, 2)).toEqual({ outcome: 'duplicate' });
    expect(forTenant(t.n)).toHaveLength(1);
  });

  it('R-E5: a retry that resumes a window abandoned while `sending` claims it anew, so no second window opens for its users while it sends', async () => {
    const t = await newTenant();
    // Claimed 11 minutes ago (abandoned after 10), before its sender wrote anything: what a
    // put-back finds after a long storage outage.
    const claimedAt = new Date(Date.now() - 11 * 60_000);
    const opened = new Date(claimedAt.getTime() - 5_000);
    await qualify(t, 3, opened);
    await ensureAlertWindow(t.id, claimedAt, opened);
    const open = (await readWindow(t.id))!;
    const claimed = (await replaceWindow(t.id, open, {
      ...open,
      state: 'sending',
      claimedAt: claimedAt.toISOString(),
      notificationKey: notificationKey(claimedAt.toISOString(), open.windowId),
    }))!;
    const before = forTenant(t.n).length;
    capture.script([{ status: 202, delayMs: 2_000 }]);
    const resumed = sendAlertWindow({ type: 'alertWindow', tenantId: t.id, windowId: claimed.windowId });
    await capture.waitForRequests(capture.requests.length + 1);

    // While it sends, another user qualifies: the resumed window is live, so no window opens.
    const now = new Date();
    await qualify(t, 4, now);
    await ensureAlertWindow(t.id, now, now);
    expect((await readWindow(t.id))!.windowId).toBe(claimed.windowId);

    expect(await resumed).toMatchObject({ outcome: 'sent', users: 1 });
    expect(forTenant(t.n)).toHaveLength(before + 1);
    // User 4 waits in the window opened after this one closed.
    const next = (await readWindow(t.id))!;
    expect(next.windowId).not.toBe(claimed.windowId);
    expect((await readPendingAlerts(t.id)).map((p) => p.userId)).toEqual([userId(t.n, 4)]);
  });

  it('R-E5: a message that arrives less than a second early is sent at the close, not put back', async () => {
    const t = await newTenant();
    const opened = new Date(Date.now() - 4_400);
    await qualify(t, 3, opened);
    await ensureAlertWindow(t.id, new Date(), opened);
    const window = (await readWindow(t.id))!;
    expect(window).toMatchObject({ state: 'open', openedAt: opened.toISOString() });
    expect(Date.parse(window.closesAt)).toBe(opened.getTime() + 5_000);

    const outcome = await sendAlertWindow({ type: 'alertWindow', tenantId: t.id, windowId: window.windowId });
    expect(outcome).toMatchObject({ outcome: 'sent', users: 1 });
    const [mail] = forTenant(t.n);
    expect(mail!.receivedAt).toBeGreaterThanOrEqual(Date.parse(window.closesAt));
    expect((await readWindow(t.id))!.state).toBe('closed');
  });

  it('R-E5: a user who qualifies while an email is being sent gets a window from their own qualification, ≥ 5 s after that email', async () => {
    const { t, window: first } = await windowDueNow();

    // SendGrid takes 4 s to accept; user 4 qualifies as the request arrives, after the
    // sender has read who is waiting (4 s leaves that write time on a stalled machine).
    const acceptMs = 4_000;
    capture.script([{ status: 202, delayMs: acceptMs }]);
    let secondQualified: Date | undefined;
    const during = (async () => {
      const until = Date.now() + 10_000;
      while (forTenant(t.n).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      secondQualified = new Date();
      await qualify(t, 4, secondQualified);
    })();
    const outcome = await sendAlertWindow({ type: 'alertWindow', tenantId: t.id, windowId: first.windowId });
    await during;
    expect(outcome).toMatchObject({ outcome: 'sent', users: 1 });
    const [mail] = forTenant(t.n);
    expect(JSON.stringify(mail!.body)).not.toContain(`user4@t${t.n}.example`);

    const second = (await readWindow(t.id))!;
    expect(second.windowId).not.toBe(first.windowId);
    expect(second.state).toBe('open');
    // It opened when user 4 qualified, not when the sender finished…
    expect(second.openedAt).toBe(secondQualified!.toISOString());
    // …and the previous email counts from SendGrid's acceptance, not from the claim.
    const accepted = mail!.receivedAt + acceptMs;
    expect(Date.parse(second.lastSentAt!)).toBeGreaterThanOrEqual(accepted);
    expect(Date.parse(second.closesAt)).toBe(
      Math.max(secondQualified!.getTime() + 5_000, Date.parse(second.lastSentAt!) + 5_000),
    );

    const sent = await sendAlertWindow(
      { type: 'alertWindow', tenantId: t.id, windowId: second.windowId },
      new Date(Date.parse(second.closesAt)),
    );
    expect(sent).toMatchObject({ outcome: 'sent', users: 1 });
    const emails = forTenant(t.n);
    expect(emails).toHaveLength(2);
    expect(JSON.stringify(emails[1]!.body)).toContain(`user4@t${t.n}.example`);
  });

  it('R-E5: a user who qualifies after the claim waits for the next window, so a redelivery after a failed cleanup emails nobody twice', async () => {
    const { t, window: first } = await windowDueNow();
    const claimedAt = new Date();
    // User 4 qualifies just after the claim, before the sender reads who is waiting.
    await qualify(t, 4, new Date(claimedAt.getTime() + 1));
    // Storage fails once as the emailed users leave the pending list (after the log entry).
    const refused: string[] = [];
    for (const user of [3, 4]) {
      const client = getStorage().tables.of(partitions.users(t.id, userId(t.n, user)));
      const submit = client.submitTransaction.bind(client);
      vi.spyOn(client, 'submitTransaction').mockImplementation(async (actions) => {
        if (refused.length === 0 && actions.every(([kind]) => kind === 'delete')) {
          refused.push(String(user));
          throw new RestError('The server is busy.', { statusCode: 503 });
        }
        return submit(actions);
      });
    }
    const message = { type: 'alertWindow' as const, tenantId: t.id, windowId: first.windowId };
    await expect(sendAlertWindow(message, claimedAt)).rejects.toThrow(/busy/);
    expect(refused).toHaveLength(1);
    vi.restoreAllMocks();
    // The queue redelivers: the email is recorded, so it is settled, not sent again.
    expect(await sendAlertWindow(message)).toMatchObject({ outcome: 'sent', users: 1 });
    const second = (await readWindow(t.id))!;
    expect(second).toMatchObject({ state: 'open' });
    expect(
      await sendAlertWindow(
        { type: 'alertWindow', tenantId: t.id, windowId: second.windowId },
        new Date(Date.parse(second.closesAt)),
      ),
    ).toMatchObject({ outcome: 'sent', users: 1 });

    const emails = forTenant(t.n).map((r) => JSON.stringify(r.body));
    expect(emails).toHaveLength(2);
    expect(emails.filter((e) => e.includes(`user3@t${t.n}.example`))).toHaveLength(1);
    expect(emails.filter((e) => e.includes(`user4@t${t.n}.example`))).toHaveLength(1);
    expect(await readPendingAlerts(t.id)).toEqual([]);
  });

  it('R-E5: a window whose sender was killed while SendGrid had its email is not sent again on redelivery; the log says why', async () => {
    const t = await newTenant();
    const window = await killedWhileSending(t, [3, 4], new Date());

    const outcome = await sendAlertWindow({ type: 'alertWindow', tenantId: t.id, windowId: window.windowId });
    expect(outcome).toMatchObject({ outcome: 'interrupted', users: 2 });
    expect(forTenant(t.n)).toHaveLength(0);
    expect((await readWindow(t.id))!.state).toBe('closed');
    expect(await readPendingAlerts(t.id)).toEqual([]);
    const entry = await getNotification(t.id, window.notificationKey!);
    expect(entry).toMatchObject({
      outcome: 'failed',
      reason: expect.stringMatching(/interrupted while sending/),
    });
    expect(entry!.users.map((u) => u.id).sort()).toEqual([userId(t.n, 3), userId(t.n, 4)].sort());
  });

  it.each(['sending', 'sent'] as const)(
    'R-E5: a window abandoned after its log entry was written (%s) is settled before the next one opens: its users are not emailed again',
    async (recorded) => {
      const t = await newTenant();
      // Claimed 11 minutes ago: abandoned (10 minutes), and its message is not back yet.
      const abandoned = await killedWhileSending(t, [3], new Date(Date.now() - 11 * 60_000), recorded);
      const now = new Date();
      await qualify(t, 4, now);
      await ensureAlertWindow(t.id, now, now);
      const next = (await readWindow(t.id))!;
      expect(next.windowId).not.toBe(abandoned.windowId);
      expect((await readPendingAlerts(t.id)).map((p) => p.userId)).toEqual([userId(t.n, 4)]);

      const outcome = await sendAlertWindow(
        { type: 'alertWindow', tenantId: t.id, windowId: next.windowId },
        new Date(Date.parse(next.closesAt)),
      );
      expect(outcome).toMatchObject({ outcome: 'sent', users: 1 });
      const [mail, ...more] = forTenant(t.n);
      expect(more).toHaveLength(0);
      expect(JSON.stringify(mail!.body)).toContain(`user4@t${t.n}.example`);
      expect(JSON.stringify(mail!.body)).not.toContain(`user3@t${t.n}.example`);
      const entry = await getNotification(t.id, abandoned.notificationKey!);
      expect(entry!.outcome).toBe(recorded === 'sending' ? 'failed' : 'sent');
      // The abandoned window's own message, when it comes back, changes nothing.
      expect(
        await sendAlertWindow({ type: 'alertWindow', tenantId: t.id, windowId: abandoned.windowId }),
      ).toEqual({ outcome: 'stale' });
    },
  );

  it('R-X5: a window SendGrid refused leaves no `sending` entry, so its redelivery sends it once', async () => {
    const { t, window } = await windowDueNow();
    const message = { type: 'alertWindow' as const, tenantId: t.id, windowId: window.windowId };
    // Every attempt of one sendEmail call (4) answered 503.
    capture.script(Array.from({ length: 4 }, () => ({ status: 503 })));
    await expect(sendAlertWindow(message)).rejects.toThrow(/the queue will retry/);
    const claimed = (await readWindow(t.id))!;
    expect(claimed.state).toBe('sending');
    expect(await getNotification(t.id, claimed.notificationKey!)).toBeUndefined();

    expect(await sendAlertWindow(message)).toMatchObject({ outcome: 'sent', users: 1 });
    expect(forTenant(t.n).map((r) => r.status)).toEqual([503, 503, 503, 503, 202]);
    expect((await getNotification(t.id, claimed.notificationKey!))!.outcome).toBe('sent');
  });

  it('R-E7: a qualifying user the directory does not know, who never signed in, is named by object id', async () => {
    const t = await newTenant();
    const opened = new Date(Date.now() - 5_000);
    const stranger = '7d1e0c4b-9a2f-4b6e-8c3d-5e4f3a2b1c0d';
    await submitGroups(getStorage().tables, [
      [
        pendingAlertWrite(t.id, {
          userId: stranger,
          userPrincipalName: '',
          displayName: '',
          riskLevel: 'high',
          qualifiedAt: opened.toISOString(),
          activityDateTime: '2026-11-20T05:10:00.000Z',
        }),
      ],
    ]);
    await ensureAlertWindow(t.id, new Date(), opened);
    const window = (await readWindow(t.id))!;
    const outcome = await sendAlertWindow({ type: 'alertWindow', tenantId: t.id, windowId: window.windowId });
    expect(outcome).toMatchObject({ outcome: 'sent', users: 1 });
    const [mail] = forTenant(t.n);
    const { content } = mail!.body as { content: Array<{ type: string; value: string }> };
    expect(content.find((c) => c.type === 'text/plain')!.value).toContain(
      `- Unknown user (object ID ${stranger}) - risk level: High`,
    );
  });

  it('R-E6: with no recipient (the only role holder switched off, no custom address) nothing is sent, and the outcome is recorded', async () => {
    const { t, window } = await windowDueNow();
    await putSettings(t.id, 'usersAtRiskAlert', {
      minRiskLevel: 'high',
      disabledRecipientIds: [userId(t.n, 1)],
      customRecipients: [],
    });
    const outcome = await sendAlertWindow({ type: 'alertWindow', tenantId: t.id, windowId: window.windowId });
    expect(outcome).toEqual({ outcome: 'noRecipients', users: 1, recipients: 0 });
    expect(forTenant(t.n)).toHaveLength(0);
    const closed = (await readWindow(t.id))!;
    expect(closed.state).toBe('closed');
    expect(await readPendingAlerts(t.id)).toEqual([]);
    const entry = await getNotification(t.id, closed.notificationKey!);
    expect(entry).toMatchObject({
      outcome: 'noRecipients',
      recipients: [],
      reason: expect.stringMatching(/no recipient/),
    });
    expect(entry!.users.map((u) => u.id)).toEqual([userId(t.n, 3)]);
  });

  it('R-X6: a claim storage committed but whose answer was lost (the retry answered 412) is still this sender’s: the email goes out', async () => {
    const { t, window } = await windowDueNow();
    const client = getStorage().tables.of(t.id);
    const update = client.updateEntity.bind(client);
    let lost = 0;
    vi.spyOn(client, 'updateEntity').mockImplementation(async (...args) => {
      if (lost > 0) return update(...args);
      lost += 1;
      await update(...args);
      throw new RestError('The update condition specified in the request was not satisfied.', {
        statusCode: 412,
      });
    });

    const outcome = await sendAlertWindow({ type: 'alertWindow', tenantId: t.id, windowId: window.windowId });
    expect(lost).toBe(1);
    expect(outcome).toMatchObject({ outcome: 'sent', users: 1 });
    expect(forTenant(t.n)).toHaveLength(1);
    expect((await readWindow(t.id))!.state).toBe('closed');
  });

  it('R-E5: a claim another sender won first is lost, not taken for this one’s (no second email)', async () => {
    const { t, window } = await windowDueNow();
    const client = getStorage().tables.of(t.id);
    const update = client.updateEntity.bind(client);
    let raced = false;
    vi.spyOn(client, 'updateEntity').mockImplementation(async (entity, mode, options) => {
      if (!raced) {
        raced = true;
        // Another instance claims the window between this sender's read and its write.
        await replaceWindow(t.id, window, {
          ...window,
          state: 'sending',
          claimedAt: new Date().toISOString(),
        });
      }
      return update(entity, mode, options);
    });

    const outcome = await sendAlertWindow({ type: 'alertWindow', tenantId: t.id, windowId: window.windowId });
    expect(raced).toBe(true);
    expect(outcome).toEqual({ outcome: 'lostClaim' });
    expect(forTenant(t.n)).toHaveLength(0);
  });

  it('R-E5: a burst of 1,500 users in one window is one email, and the log names all of them once', async () => {
    const t = await newTenant();
    const opened = new Date(Date.now() - 5_000);
    const users = Array.from({ length: 1_500 }, (_, i) => i + 10);
    await qualifyAll(t, users, opened);
    await ensureAlertWindow(t.id, new Date(), opened);
    const window = (await readWindow(t.id))!;
    const outcome = await sendAlertWindow({ type: 'alertWindow', tenantId: t.id, windowId: window.windowId });
    expect(outcome).toMatchObject({ outcome: 'sent', users: 1_500 });
    expect(forTenant(t.n)).toHaveLength(1);

    const closed = (await readWindow(t.id))!;
    expect(closed.state).toBe('closed');
    const entry = await getNotification(t.id, closed.notificationKey!);
    expect(entry!.outcome).toBe('sent');
    expect(entry!.users.map((u) => u.id).sort()).toEqual(users.map((u) => userId(t.n, u)).sort());

    const tenant = (await getTenant(t.id))!;
    const listed = await listNotifications({
      tenant,
      url: 'https://riskloop.example/v1.0/riskloop/notifications',
    });
    expect(listed.value).toHaveLength(1);
    const ids = (listed.value[0]!.users as Array<{ id: string }>).map((u) => u.id);
    expect(new Set(ids).size).toBe(1_500);
    expect(ids.sort()).toEqual(users.map((u) => userId(t.n, u)).sort());
  });
});

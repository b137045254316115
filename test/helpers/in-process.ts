import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueueClient, type QueueSendMessageResponse } from '@azure/storage-queue';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import { resetConfigForTests } from '../../shared/config';
import type { DetectionInput } from '../../shared/domain/ingestion';
import type { SeedFile } from '../../shared/domain/seed-file';
import { loadSeed } from '../../shared/engine/seed';
import { ensureStorage, getStorage, resetStorageForTests } from '../../shared/storage/clients';
import { startAzurite, type AzuriteInstance } from '../../tools/azurite';

/**
 * For tests that call the app's engine in this process, with no host: a real Azurite of
 * their own, the app's settings pointing at it, its tables and queues created and a tenant
 * loaded. Such a
 * test takes the queue's messages off itself ({@link drainQueue}) and hands them to the
 * worker.
 */
interface InProcessStorage {
  azurite: AzuriteInstance;
  stop(): Promise<void>;
}

async function startInProcessStorage(
  name: string,
  seed: SeedFile,
  env: Record<string, string> = {},
): Promise<InProcessStorage> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `riskloop-${name}-`));
  const azurite = await startAzurite();
  Object.assign(process.env, {
    AzureWebJobsStorage: azurite.connectionString,
    SENDGRID_API_KEY: `SG.${name}-test-key`,
    EMAIL_OUTBOX_DIR: path.join(dir, 'outbox'),
    ...env,
  });
  resetConfigForTests();
  await ensureStorage();
  await loadSeed(seed);
  return {
    azurite,
    async stop() {
      await azurite.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** {@link startInProcessStorage} before the file's tests, stopped after them. */
export function useInProcessStorage(name: string, seed: SeedFile, env: Record<string, string> = {}): void {
  let storage: InProcessStorage | undefined;
  beforeAll(async () => {
    storage = await startInProcessStorage(name, seed, env);
  });
  afterAll(async () => {
    await storage?.stop();
  });
}

/** Takes every visible message off a queue, decoded as the Functions trigger decodes it. */
export async function drainQueue(queueName: string): Promise<unknown[]> {
  const queue = getStorage().queue(queueName);
  const messages: unknown[] = [];
  for (;;) {
    const { receivedMessageItems: items } = await queue.receiveMessages({ numberOfMessages: 32 });
    if (items.length === 0) return messages;
    for (const item of items) {
      messages.push(JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8')));
      await queue.deleteMessage(item.messageId, item.popReceipt);
    }
  }
}

/** An offline user detection as the ingestion route takes it: high, on 20 November 2026 at 05:00. */
export function offlineDetection(
  id: string,
  userId: string,
  overrides: Partial<DetectionInput> = {},
): DetectionInput {
  return {
    id,
    userId,
    riskEventType: 'leakedCredentials',
    riskLevel: 'high',
    detectionTimingType: 'offline',
    activity: 'user',
    activityDateTime: '2026-11-20T05:00:00.000Z',
    detectedDateTime: '2026-11-20T06:00:00.000Z',
    ...overrides,
  };
}

/**
 * Runs `work` with the app's tables at an address where nothing answers and its queues still
 * live (a table outage): real connection failures, not a stand-in.
 */
export async function withTablesDown<T>(work: () => Promise<T>): Promise<T> {
  const live = process.env.AzureWebJobsStorage!;
  process.env.AzureWebJobsStorage = live.replace(
    /TableEndpoint=[^;]+/,
    'TableEndpoint=http://127.0.0.1:9/devstoreaccount1',
  );
  resetConfigForTests();
  resetStorageForTests();
  try {
    return await work();
  } finally {
    process.env.AzureWebJobsStorage = live;
    resetConfigForTests();
    resetStorageForTests();
  }
}

/**
 * A queue worker's last delivery while the tables are down (R-X6): `deliver(dequeueCount)` is
 * run for the 4th delivery, which must throw (the host delivers again), and for the last,
 * which must answer `deferred` and put `message` back on `queueName` once, with one
 * deferral, invisible for a minute, and poison nothing. Returns the message put back, taken
 * off the queue again (it would come round in a minute).
 */
export async function lastDeliveryWithTablesDown<M extends object>(
  queueName: string,
  message: M,
  deliver: (dequeueCount: number) => Promise<unknown>,
): Promise<M & { deferrals: number }> {
  const put = vi.spyOn(QueueClient.prototype, 'sendMessage');
  try {
    const [early, last] = await withTablesDown(() => Promise.allSettled([deliver(4), deliver(5)]));
    expect(early.status).toBe('rejected');
    expect(last).toEqual({
      status: 'fulfilled',
      value: { outcome: 'deferred', deferrals: 1, delaySeconds: 60, cause: expect.any(String) as unknown },
    });
    expect(put).toHaveBeenCalledTimes(1);
    const [text, options] = put.mock.calls[0]!;
    expect(options).toEqual({ visibilityTimeout: 60 });
    const again = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as M & { deferrals: number };
    expect(again).toEqual({ ...message, deferrals: 1 });
    // Nothing poisoned (the host creates the poison queue only when it poisons).
    const poisonQueue = getStorage().queue(`${queueName}-poison`);
    expect((await poisonQueue.exists()) ? await drainQueue(poisonQueue.name) : []).toEqual([]);
    const { messageId, popReceipt } = (await put.mock.results[0]!.value) as QueueSendMessageResponse;
    await getStorage().queue(queueName).deleteMessage(messageId, popReceipt);
    return again;
  } finally {
    put.mockRestore();
  }
}

import { afterAll, describe, expect, it, vi } from 'vitest';
import { acceptUserAction } from '../../shared/engine/feedback';
import { ingestDetections } from '../../shared/engine/ingest';
import { handleRescoreMessage } from '../../shared/engine/rescore-worker';
import { getStorage, queues } from '../../shared/storage/clients';
import { partitions } from '../../shared/storage/keys';
import { readUserSnapshot } from '../../shared/storage/user-store';
import { drainQueue, offlineDetection, useInProcessStorage } from '../helpers/in-process';
import { eventually } from '../helpers/service';
import { tenantId, tenantSeed, userId } from '../helpers/tenants';

/**
 * R-S5: an action affects what was recorded before it was accepted. An ingestion call's rows
 * are recorded when they are stored, not when the call began: an action accepted while a
 * call was still at work must not close what the call stores after it. Against a real
 * Azurite, with no host: the test holds the call's first step (claiming the ids) until the
 * action is accepted and applied, and hands the queue's messages to the worker itself.
 */
const N = 93;
const T = tenantId(N);
useInProcessStorage('recorded-at', tenantSeed(N, 'p2', 5));
afterAll(() => {
  vi.restoreAllMocks();
});

/** Hands every visible rescore message to the worker. */
async function rescoreQueued(): Promise<void> {
  for (const message of await drainQueue(queues.rescore)) await handleRescoreMessage(message);
}

const detection = (id: string, user: string) =>
  offlineDetection(id, user, { detectedDateTime: '2026-11-20T05:00:00.000Z' });

describe('R-S5: rows are recorded when they are stored', () => {
  it('a detection a call stores after a dismiss was accepted is new risk, though the call began before it', async () => {
    const u = userId(N, 3);
    await ingestDetections(T, [detection('before', u)]);
    await rescoreQueued();
    expect((await readUserSnapshot(T, u)).user).toMatchObject({ riskLevel: 'high', riskState: 'atRisk' });

    // The call's claim (its first transaction, in the index partition) waits for the gate.
    const index = getStorage().tables.of(partitions.index(T));
    const submit = index.submitTransaction.bind(index);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let held = false;
    vi.spyOn(index, 'submitTransaction').mockImplementation(async (actions, options) => {
      held = true;
      await gate;
      return submit(actions, options);
    });
    const call = ingestDetections(T, [detection('during', u)]);
    await eventually(() => (held ? true : undefined), 10_000, 'the call to reach its claim');

    await acceptUserAction(T, 'dismissUser', [u], { initiatedBy: userId(N, 1) });
    await rescoreQueued();
    expect((await readUserSnapshot(T, u)).user).toMatchObject({ riskLevel: 'none', riskState: 'dismissed' });

    open();
    expect(await call).toMatchObject({ accepted: 1 });
    vi.restoreAllMocks();
    await rescoreQueued();
    const { user, storedDetections } = await readUserSnapshot(T, u);
    expect(user).toMatchObject({ riskLevel: 'high', riskState: 'atRisk', isProcessing: false });
    expect(storedDetections.get('before')).toMatchObject({ riskState: 'dismissed' });
    expect(storedDetections.get('during')).toMatchObject({ riskState: 'atRisk' });
  });
});

import type { DetectionInput, RemediationInput, SignInInput } from '../domain/ingestion';
import type { RescoreMessage } from '../domain/messages';
import { queues } from '../storage/clients';
import {
  detectionGroups,
  insertGroups,
  remediationGroups,
  signInGroups,
  type IngestOutcome,
} from '../storage/ingest-store';
import { enqueue } from '../storage/queue';

/** Detection ids per rescore message: keeps a message far below the 64 KiB queue limit. */
const IDS_PER_MESSAGE = 200;

export interface IngestResult {
  accepted: number;
  duplicates: number;
  usersQueued: number;
}

/**
 * Queues every user the call touched, repeated items included: a retried call whose first
 * attempt stored the rows but failed before queueing must still get them scored (R-X6).
 */
async function queueRescores(tenantId: string, outcome: IngestOutcome): Promise<IngestResult> {
  const messages: RescoreMessage[] = [];
  for (const [userId, detectionIds] of outcome.users) {
    if (detectionIds.length === 0) messages.push({ type: 'rescore', tenantId, userId, detectionIds: [] });
    for (let i = 0; i < detectionIds.length; i += IDS_PER_MESSAGE) {
      messages.push({
        type: 'rescore',
        tenantId,
        userId,
        detectionIds: detectionIds.slice(i, i + IDS_PER_MESSAGE),
      });
    }
  }
  await Promise.all(messages.map((m) => enqueue(queues.rescore, m)));
  return { accepted: outcome.accepted, duplicates: outcome.duplicates, usersQueued: outcome.users.size };
}

export async function ingestSignIns(
  tenantId: string,
  items: readonly SignInInput[],
  now = new Date(),
): Promise<IngestResult> {
  return queueRescores(
    tenantId,
    await insertGroups(tenantId, signInGroups(tenantId, items, now.toISOString())),
  );
}

export async function ingestDetections(
  tenantId: string,
  items: readonly DetectionInput[],
  now = new Date(),
): Promise<IngestResult> {
  return queueRescores(
    tenantId,
    await insertGroups(tenantId, detectionGroups(tenantId, items, now.toISOString())),
  );
}

export async function ingestRemediations(
  tenantId: string,
  items: readonly RemediationInput[],
  now = new Date(),
): Promise<IngestResult> {
  return queueRescores(
    tenantId,
    await insertGroups(tenantId, remediationGroups(tenantId, items, now.toISOString())),
  );
}

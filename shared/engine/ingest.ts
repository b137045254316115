import type { DetectionInput, RemediationInput, SignInInput } from '../domain/ingestion';
import { packRescores } from '../domain/messages';
import { queues } from '../storage/clients';
import {
  detectionGroups,
  insertGroups,
  remediationGroups,
  signInGroups,
  type IngestOutcome,
} from '../storage/ingest-store';
import { enqueue } from '../storage/queue';

export interface IngestResult {
  accepted: number;
  duplicates: number;
  usersQueued: number;
}

/**
 * Queues every user the call touched, repeated items included: a retried call whose first
 * attempt stored the rows but failed before queueing must still get them scored (R-X6).
 * Up to 32 users go in one message (shared/domain/messages.ts): a queue message costs
 * three storage operations (put, get, delete), whatever it carries.
 */
async function queueRescores(tenantId: string, outcome: IngestOutcome): Promise<IngestResult> {
  await Promise.all(packRescores(tenantId, outcome.users).map((m) => enqueue(queues.rescore, m)));
  return { accepted: outcome.accepted, duplicates: outcome.duplicates, usersQueued: outcome.users.size };
}

export async function ingestSignIns(tenantId: string, items: readonly SignInInput[]): Promise<IngestResult> {
  return queueRescores(tenantId, await insertGroups(tenantId, signInGroups(tenantId, items)));
}

export async function ingestDetections(
  tenantId: string,
  items: readonly DetectionInput[],
): Promise<IngestResult> {
  return queueRescores(tenantId, await insertGroups(tenantId, detectionGroups(tenantId, items)));
}

export async function ingestRemediations(
  tenantId: string,
  items: readonly RemediationInput[],
): Promise<IngestResult> {
  return queueRescores(tenantId, await insertGroups(tenantId, remediationGroups(tenantId, items)));
}

import type { DetectionInput, RemediationInput, SignInInput } from '../domain/ingestion';
import { badRequest } from '../errors';
import { packRescores } from '../domain/messages';
import { queues } from '../storage/clients';
import {
  detectionGroups,
  insertGroups,
  remediationGroups,
  signInGroups,
  signInOwners,
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

/**
 * R-F5: `mfaPassed` remediates one sign-in of its user. One that names a sign-in never
 * ingested, or another user's, would be stored and change nothing: it is bad input (R-X1),
 * and nothing of the call is stored. A connector that sends the remediation before its
 * sign-in gets the 400 and sends it again after.
 */
async function checkRemediatedSignIns(tenantId: string, items: readonly RemediationInput[]): Promise<void> {
  const named = items.flatMap((r, index) =>
    r.kind === 'mfaPassed' && r.requestId ? [{ index, userId: r.userId, requestId: r.requestId }] : [],
  );
  if (named.length === 0) return;
  const owners = await signInOwners(
    tenantId,
    named.map((n) => n.requestId),
  );
  const wrong = named.find((n) => owners.get(n.requestId) !== n.userId);
  if (!wrong) return;
  const owner = owners.get(wrong.requestId);
  throw badRequest(
    `Invalid body: value[${wrong.index}].requestId: ${
      owner === undefined
        ? `no sign-in '${wrong.requestId}' has been ingested (send the sign-in first)`
        : `sign-in '${wrong.requestId}' is not a sign-in of user ${wrong.userId}`
    }`,
  );
}

export async function ingestRemediations(
  tenantId: string,
  items: readonly RemediationInput[],
): Promise<IngestResult> {
  await checkRemediatedSignIns(tenantId, items);
  return queueRescores(tenantId, await insertGroups(tenantId, remediationGroups(tenantId, items)));
}

import type { DetectionInput, RemediationInput, SignInInput } from '../domain/ingestion';
import { badRequest } from '../errors';
import { packRescores } from '../domain/messages';
import { queues } from '../storage/clients';
import {
  detectionGroups,
  insertGroups,
  remediationGroups,
  detectionsNameSignIn,
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
  await checkDetectionSignIns(tenantId, items);
  return queueRescores(tenantId, await insertGroups(tenantId, detectionGroups(tenantId, items)));
}

/**
 * A sign-in detection belongs to its sign-in's user. One naming another user's sign-in
 * would raise this user's risk where no action on that sign-in reaches it (they find the
 * sign-in's user through its pointer): bad input (R-X1), and nothing of the call is stored.
 * A sign-in not ingested yet may follow; two items of one call must agree on its user. One
 * point read per sign-in named (user detections, the usual bulk, cost nothing here).
 */
async function checkDetectionSignIns(tenantId: string, items: readonly DetectionInput[]): Promise<void> {
  const named = signInsNamed(items);
  if (named.length === 0) return;
  const owners = new Map<string, string>();
  for (const n of named) if (!owners.has(n.requestId)) owners.set(n.requestId, n.userId);
  const stored = await signInOwners(tenantId, [...owners.keys()]);
  for (const [requestId, userId] of stored) owners.set(requestId, userId);
  const wrong = named.find((n) => owners.get(n.requestId) !== n.userId);
  if (wrong)
    throw notASignInOf(wrong, `sign-in '${wrong.requestId}' is not a sign-in of user ${wrong.userId}`);
}

/** The items that name a sign-in (`requestId`), with their place in the call. */
interface NamedSignIn {
  index: number;
  userId: string;
  requestId: string;
}

function signInsNamed(
  items: ReadonlyArray<{ userId: string; requestId?: string | undefined }>,
): NamedSignIn[] {
  return items.flatMap((item, index) =>
    item.requestId ? [{ index, userId: item.userId, requestId: item.requestId }] : [],
  );
}

/** The 400 for an item whose `requestId` is not a sign-in of its user (R-X1). */
function notASignInOf(item: NamedSignIn, why: string): Error {
  return badRequest(`Invalid body: value[${item.index}].requestId: ${why}`);
}

/**
 * R-F5: `mfaPassed` remediates one sign-in of its user. One that names another user's
 * sign-in, or a sign-in known neither as ingested nor from the user's own detections, would
 * be stored and change nothing: it is bad input (R-X1), and nothing of the call is stored.
 * A connector that sends the remediation before its sign-in gets the 400 and sends it again
 * after.
 */
async function checkRemediatedSignIns(tenantId: string, items: readonly RemediationInput[]): Promise<void> {
  // Only `mfaPassed` names a sign-in (RemediationInput refuses a requestId on the others).
  const named = signInsNamed(items);
  if (named.length === 0) return;
  const owners = await signInOwners(
    tenantId,
    named.map((n) => n.requestId),
  );
  for (const n of named) {
    const owner = owners.get(n.requestId);
    if (owner === n.userId) continue;
    // A sign-in known only from the user's own detections (sent without the sign-in) counts too.
    if (owner === undefined && (await detectionsNameSignIn(tenantId, n.userId, n.requestId))) continue;
    throw notASignInOf(
      n,
      owner === undefined
        ? `no sign-in '${n.requestId}' of user ${n.userId} has been ingested (send the sign-in first)`
        : `sign-in '${n.requestId}' is not a sign-in of user ${n.userId}`,
    );
  }
}

export async function ingestRemediations(
  tenantId: string,
  items: readonly RemediationInput[],
): Promise<IngestResult> {
  await checkRemediatedSignIns(tenantId, items);
  return queueRescores(tenantId, await insertGroups(tenantId, remediationGroups(tenantId, items)));
}

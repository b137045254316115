import type { SeedFile } from '../domain/seed-file';
import { UsersAtRiskAlertSettings, WeeklyDigestSettings } from '../domain/settings';
import { ensureStorage } from '../storage/clients';
import { putSettings } from '../storage/settings-store';
import { importDirectory, putTenant } from '../storage/tenant-store';
import { ingestDetections, ingestRemediations, ingestSignIns } from './ingest';

export interface SeedResult {
  tenantId: string;
  users: number;
  roleAssignments: number;
  signIns: { accepted: number; duplicates: number };
  riskDetections: { accepted: number; duplicates: number };
  remediations: { accepted: number; duplicates: number };
}

const CHUNK = 500;

async function inChunks<T>(
  items: readonly T[],
  run: (chunk: T[]) => Promise<{ accepted: number; duplicates: number }>,
) {
  const total = { accepted: 0, duplicates: 0 };
  for (let i = 0; i < items.length; i += CHUNK) {
    const r = await run(items.slice(i, i + CHUNK));
    total.accepted += r.accepted;
    total.duplicates += r.duplicates;
  }
  return total;
}

/**
 * Loads a tenant file through the same code paths as the API: ingestion queues the users
 * for rescoring, so the worker applies every rule. Loading a file twice changes nothing.
 */
export async function loadSeed(seed: SeedFile): Promise<SeedResult> {
  await ensureStorage();
  const tenantId = seed.tenant.id;
  await putTenant(seed.tenant);
  await importDirectory(tenantId, seed.users, seed.roleAssignments);
  if (seed.settings?.usersAtRiskAlert)
    await putSettings(
      tenantId,
      'usersAtRiskAlert',
      UsersAtRiskAlertSettings.parse(seed.settings.usersAtRiskAlert),
    );
  if (seed.settings?.weeklyDigest)
    await putSettings(tenantId, 'weeklyDigest', WeeklyDigestSettings.parse(seed.settings.weeklyDigest));
  const signIns = await inChunks(seed.signIns ?? [], (c) => ingestSignIns(tenantId, c));
  const riskDetections = await inChunks(seed.riskDetections ?? [], (c) => ingestDetections(tenantId, c));
  const remediations = await inChunks(seed.remediations ?? [], (c) => ingestRemediations(tenantId, c));
  return {
    tenantId,
    users: seed.users.length,
    roleAssignments: seed.roleAssignments.length,
    signIns,
    riskDetections,
    remediations,
  };
}

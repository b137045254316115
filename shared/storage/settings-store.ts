import { z } from 'zod';
import { UsersAtRiskAlertSettings, WeeklyDigestSettings } from '../domain/settings';
import { getStorage } from './clients';
import { keys } from './keys';
import { getOptional, replaceIfUnchanged, upsertRow } from './table';

const schemas = { usersAtRiskAlert: UsersAtRiskAlertSettings, weeklyDigest: WeeklyDigestSettings } as const;
type Name = keyof typeof schemas;
type SettingsOf<N extends Name> = z.infer<(typeof schemas)[N]>;

const cache = new Map<string, { at: number; value: unknown }>();
const CACHE_MS = 15_000;

/** A tenant's settings with defaults filled in. Cached briefly per process; writes through this module clear it. */
export async function getSettings<N extends Name>(
  tenantId: string,
  name: N,
  fresh = false,
): Promise<SettingsOf<N>> {
  const cacheKey = `${tenantId}|${name}`;
  const hit = cache.get(cacheKey);
  if (!fresh && hit && Date.now() - hit.at < CACHE_MS) return hit.value as SettingsOf<N>;
  const row = await getOptional<{ value?: string }>(getStorage().tables, tenantId, keys.settings(name));
  return primeSettings(tenantId, name, row);
}

/** Whether both settings of the tenant are cached and fresh. */
export function settingsCached(tenantId: string): boolean {
  return (Object.keys(schemas) as Name[]).every((name) => {
    const hit = cache.get(`${tenantId}|${name}`);
    return hit !== undefined && Date.now() - hit.at < CACHE_MS;
  });
}

/** Caches a settings row read elsewhere (absent = defaults) and returns its value. */
export function primeSettings<N extends Name>(
  tenantId: string,
  name: N,
  row: Record<string, unknown> | undefined,
): SettingsOf<N> {
  const stored: unknown = typeof row?.value === 'string' ? JSON.parse(row.value) : {};
  const value = schemas[name].parse(stored) as SettingsOf<N>;
  cache.set(`${tenantId}|${name}`, { at: Date.now(), value });
  return value;
}

export async function putSettings<N extends Name>(
  tenantId: string,
  name: N,
  value: SettingsOf<N>,
): Promise<SettingsOf<N>> {
  const valid = schemas[name].parse(value) as SettingsOf<N>;
  await upsertRow(getStorage().tables, {
    partitionKey: tenantId,
    rowKey: keys.settings(name),
    rowType: 'settings',
    value: JSON.stringify(valid),
  });
  cache.delete(`${tenantId}|${name}`);
  return valid;
}

/** Concurrent PATCHes of one tenant's settings are rare; a few re-reads always settle them. */
const MAX_MERGE_ATTEMPTS = 10;

/**
 * Merges `patch` into the stored settings with the row's ETag as the lock, so concurrent
 * PATCHes of different fields all survive (re-read and re-merge on 412/409). `check` sees
 * the settings the patch is merged into, before anything is written, and may refuse it.
 */
export async function mergeSettings<N extends Name>(
  tenantId: string,
  name: N,
  patch: Partial<SettingsOf<N>>,
  check?: (stored: SettingsOf<N>) => Promise<void>,
): Promise<SettingsOf<N>> {
  const { tables } = getStorage();
  for (let attempt = 1; ; attempt += 1) {
    const row = await getOptional<{ value?: string }>(tables, tenantId, keys.settings(name));
    const stored: unknown = row?.value ? JSON.parse(row.value) : {};
    await check?.(schemas[name].parse(stored) as SettingsOf<N>);
    const merged = schemas[name].parse({ ...(stored as object), ...patch }) as SettingsOf<N>;
    const entity = {
      partitionKey: tenantId,
      rowKey: keys.settings(name),
      rowType: 'settings',
      value: JSON.stringify(merged),
    };
    if (await replaceIfUnchanged(tables, entity, row?.etag)) {
      cache.delete(`${tenantId}|${name}`);
      return merged;
    }
    if (attempt >= MAX_MERGE_ATTEMPTS)
      throw new Error(`settings '${name}' changed under ${MAX_MERGE_ATTEMPTS} merges in a row; not merged`);
  }
}

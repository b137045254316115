import fs from 'node:fs';
import path from 'node:path';
import { localSettings, LOCAL_SETTINGS_FILE } from './local-settings';
import { namesStorage } from './start-storage';

/**
 * `npm start` writes where its embedded storage and host listen, and which dev signing key
 * and audience it accepts, so `npm run seed` and `npm run token` in another terminal use
 * the same ones. Git-ignored, like the dev key.
 */
export const RUNTIME_FILE = path.join('.riskloop', 'runtime.json');

export interface RuntimeInfo {
  pid: number;
  url: string;
  connectionString: string;
  /** The dev signing key's file (absolute; the key itself stays in that file) and the audience dev tokens carry. */
  keyFile: string;
  audience: string;
}

export function writeRuntime(info: RuntimeInfo): void {
  fs.mkdirSync(path.dirname(RUNTIME_FILE), { recursive: true });
  fs.writeFileSync(RUNTIME_FILE, JSON.stringify(info, null, 2), { mode: 0o600 });
}

/**
 * Removes the file if this process wrote it. A second `npm start` that fails (its port is
 * taken) must not delete the file of the one that is running.
 */
export function removeRuntime(): void {
  let owner: unknown;
  try {
    owner = (JSON.parse(fs.readFileSync(RUNTIME_FILE, 'utf8')) as Partial<RuntimeInfo>).pid;
  } catch {
    return; // none, or not readable as ours
  }
  if (owner === process.pid) fs.rmSync(RUNTIME_FILE, { force: true });
}

/** The running `npm start`'s info, or undefined when none is running. */
export function readRuntime(): RuntimeInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(RUNTIME_FILE, 'utf8')) as RuntimeInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

/**
 * Points this process at storage: the environment's storage settings; else the storage of
 * the running `npm start`; else the connection string of local.settings.json, as `npm start`
 * would use it.
 */
export function useRunningStorage(): void {
  // Any storage setting, connection string or identity-based, means "use that storage".
  if (namesStorage(process.env)) return;
  const info = readRuntime();
  if (info) {
    process.env.AzureWebJobsStorage = info.connectionString;
    return;
  }
  // As `npm start` does: its connection string (identity-based settings alone start the
  // embedded Azurite there, which is not running now).
  const local = localSettings();
  if (local.AzureWebJobsStorage) {
    process.env.AzureWebJobsStorage = local.AzureWebJobsStorage;
    return;
  }
  throw new Error(
    `AzureWebJobsStorage is not set, neither here nor in ${LOCAL_SETTINGS_FILE}, and no \`npm start\` is running; start the service or set the connection string.`,
  );
}

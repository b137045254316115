import path from 'node:path';
import { parseSettings } from '../shared/config';
import { localSettings } from './local-settings';
import { readRuntime } from './runtime-file';

/** What a dev token needs to be accepted: the key that signs it and the audience it names. */
export interface DevTokenSettings {
  /** Absolute, so that it means the same file whatever folder a tool runs in. */
  keyFile: string;
  audience: string;
}

/** The key file and the first accepted audience of a service whose app settings are `env`. */
export function devTokenSettingsOf(env: Record<string, string | undefined>): DevTokenSettings {
  // The shared config owns the defaults. Only the two auth settings are read: no storage
  // is touched, so a placeholder connection string satisfies the storage requirement.
  const settings = parseSettings({
    AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    AUTH_AUDIENCE: env.AUTH_AUDIENCE,
    DEV_SIGNING_KEY_FILE: env.DEV_SIGNING_KEY_FILE,
  });
  const audience =
    settings.AUTH_AUDIENCE.split(',')
      .map((a) => a.trim())
      .find((a) => a !== '') ?? 'api://riskloop';
  return { keyFile: path.resolve(settings.DEV_SIGNING_KEY_FILE), audience };
}

/**
 * For `npm run token`: the settings the service uses. The environment wins (as it does for
 * `npm start`); then the running `npm start`'s, as it recorded them in .riskloop/runtime.json;
 * then local.settings.json, which the next `npm start` will apply; then the defaults.
 */
export function devTokenSettings(env: NodeJS.ProcessEnv = process.env): DevTokenSettings {
  const running = readRuntime();
  const fromRunning: Record<string, string> = {};
  if (running?.keyFile) fromRunning.DEV_SIGNING_KEY_FILE = running.keyFile;
  if (running?.audience) fromRunning.AUTH_AUDIENCE = running.audience;
  // An empty environment variable counts as unset: it does not hide the others.
  const set = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  return devTokenSettingsOf({ ...localSettings(env), ...fromRunning, ...set });
}

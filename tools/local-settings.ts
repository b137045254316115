import fs from 'node:fs';

export const LOCAL_SETTINGS_FILE = 'local.settings.json';

/**
 * Like Core Tools: the "Values" of local.settings.json (git-ignored) are app settings for
 * local runs. Returns those the environment does not set already (real env wins; an empty
 * environment variable counts as unset) and that are not empty. `npm start` applies them;
 * `npm run token` reads them, so that both see the same signing key and audience.
 */
export function localSettings(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (!fs.existsSync(LOCAL_SETTINGS_FILE)) return {};
  const values =
    (JSON.parse(fs.readFileSync(LOCAL_SETTINGS_FILE, 'utf8')) as { Values?: Record<string, string> })
      .Values ?? {};
  return Object.fromEntries(
    // An empty environment variable counts as unset (as shared/config reads it): the file applies.
    Object.entries(values).filter(([key, value]) => !env[key] && value !== ''),
  );
}

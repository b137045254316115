import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const lines = (file: string): string[] =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

/**
 * Local secrets and local data that git never sees: settings, the dev signing key and the
 * runtime file (.riskloop/), environment files, keys, emails written without SendGrid, and
 * the on-disk Azurite databases (copies of tenants' data).
 */
const localOnly = [
  'local.settings.json',
  '.riskloop/',
  '.env',
  '*.pem',
  'outbox/',
  '__azurite_db*',
  '__blobstorage__/',
  '__queuestorage__/',
];

describe('R-X7: local secrets stay local', () => {
  it('git ignores every local secret and data file', () => {
    expect(lines('.gitignore')).toEqual(expect.arrayContaining(localOnly));
  });

  it('a Core Tools publish (func azure functionapp publish, which reads .funcignore) leaves them out too', () => {
    const funcignore = lines('.funcignore');
    expect(localOnly.filter((pattern) => !funcignore.includes(pattern))).toEqual([]);
  });
});

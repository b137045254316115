import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { devTokenSettings } from '../../tools/dev-token-settings';
import { localSettings } from '../../tools/local-settings';

describe('local.settings.json for npm start and npm run token (tools/local-settings.ts)', () => {
  const cwd = process.cwd();
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskloop-local-settings-'));
    process.chdir(dir);
    fs.writeFileSync(
      'local.settings.json',
      JSON.stringify({
        IsEncrypted: false,
        Values: {
          AzureWebJobsStorage: 'UseDevelopmentStorage=true',
          AUTH_AUDIENCE: 'api://from-file',
          EMAIL_OUTBOX_DIR: '',
        },
      }),
    );
  });

  afterEach(() => {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('real environment variables win over the file, and the file applies where they are unset', () => {
    expect(localSettings({ AUTH_AUDIENCE: 'api://from-env' })).toEqual({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
    });
  });

  it('an empty environment variable counts as unset: the file still applies (README Configuration)', () => {
    expect(localSettings({ AzureWebJobsStorage: '', AUTH_AUDIENCE: '' })).toEqual({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      AUTH_AUDIENCE: 'api://from-file',
    });
  });

  it("npm run token: an empty AUTH_AUDIENCE in the environment does not hide the file's", () => {
    expect(devTokenSettings({ AUTH_AUDIENCE: '' }).audience).toBe('api://from-file');
    expect(devTokenSettings({ AUTH_AUDIENCE: 'api://from-env' }).audience).toBe('api://from-env');
  });
});

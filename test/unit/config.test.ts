import { describe, expect, it } from 'vitest';
import { ConfigError, parseSettings } from '../../shared/config';

const storage = { AzureWebJobsStorage: 'UseDevelopmentStorage=true' };

describe('configuration (fails fast, naming the setting)', () => {
  it('fills defaults', () => {
    const s = parseSettings(storage);
    expect(s).toMatchObject({
      AUTH_MODE: 'entra',
      WEEKLY_DIGEST_SCHEDULE: '0 0 9 * * 1',
      ALERT_WINDOW_SECONDS: 5,
      EMAIL_OUTBOX_DIR: 'outbox',
    });
  });

  it('names a missing storage setting', () => {
    expect(() => parseSettings({})).toThrow(/AzureWebJobsStorage/);
  });

  it('names a malformed setting', () => {
    expect(() => parseSettings({ ...storage, AUTH_MODE: 'maybe' })).toThrow(ConfigError);
    expect(() => parseSettings({ ...storage, AUTH_MODE: 'maybe' })).toThrow(/AUTH_MODE/);
    expect(() => parseSettings({ ...storage, REPORT_BASE_URL: 'not a url' })).toThrow(/REPORT_BASE_URL/);
  });

  it('refuses values that could never work, naming the setting', () => {
    for (const [key, bad] of [
      ['EMAIL_FROM', 'not an email address'],
      ['EMAIL_FROM', 'Alerts <nobody>'],
      ['AUTH_AUDIENCE', ' , '],
      ['AUTH_AUTHORITY_HOST', 'http://login.microsoftonline.com'],
      ['REPORT_BASE_URL', 'javascript:alert(1)'],
    ] as const) {
      expect(() => parseSettings({ ...storage, [key]: bad }), `${key}=${bad}`).toThrow(new RegExp(`${key}:`));
    }
    expect(
      parseSettings({ ...storage, EMAIL_FROM: 'Contoso Security <alerts@contoso.com>' }).EMAIL_FROM,
    ).toBe('Contoso Security <alerts@contoso.com>');
    expect(parseSettings({ ...storage, AUTH_AUDIENCE: 'api://riskloop, 0b8f…' }).AUTH_AUDIENCE).toBe(
      'api://riskloop, 0b8f…',
    );
    expect(parseSettings({ ...storage, REPORT_BASE_URL: 'http://portal.internal/x' }).REPORT_BASE_URL).toBe(
      'http://portal.internal/x',
    );
  });

  it('takes WEEKLY_DIGEST_SCHEDULE as the timer does: 6 fields, or 5 without seconds; refuses any other text', () => {
    expect(parseSettings({ ...storage, WEEKLY_DIGEST_SCHEDULE: '0 9 * * 1' }).WEEKLY_DIGEST_SCHEDULE).toBe(
      '0 9 * * 1',
    );
    expect(
      parseSettings({ ...storage, WEEKLY_DIGEST_SCHEDULE: '0 30 8 * * Mon' }).WEEKLY_DIGEST_SCHEDULE,
    ).toBe('0 30 8 * * Mon');
    for (const bad of ['every monday', '0 0 25 * * 1', '0 0 9 * * 1 2026']) {
      expect(() => parseSettings({ ...storage, WEEKLY_DIGEST_SCHEDULE: bad }), bad).toThrow(
        /WEEKLY_DIGEST_SCHEDULE: is not an NCRONTAB schedule/,
      );
    }
  });

  it('R-A2: dev auth refuses to start inside Azure', () => {
    expect(() => parseSettings({ ...storage, AUTH_MODE: 'dev', WEBSITE_INSTANCE_ID: 'abc' })).toThrow(
      /AUTH_MODE/,
    );
  });

  it('R-A2: names the Azure setting it found (App Service may set only WEBSITE_SITE_NAME)', () => {
    expect(() => parseSettings({ ...storage, AUTH_MODE: 'dev', WEBSITE_SITE_NAME: 'riskloop-app' })).toThrow(
      'AUTH_MODE: AUTH_MODE=dev refuses to run inside Azure (WEBSITE_SITE_NAME is set); use AUTH_MODE=entra',
    );
  });

  it('R-X7: SENDGRID_BASE_URL, which receives the API key, must be https (http only on this machine, for a capture server)', () => {
    for (const bad of [
      'http://api.sendgrid.com',
      'http://10.0.0.5:8080/',
      'ftp://api.sendgrid.com',
      'file:///tmp/x',
      'not a url',
    ])
      expect(() => parseSettings({ ...storage, SENDGRID_BASE_URL: bad }), bad).toThrow(/SENDGRID_BASE_URL:/);
    for (const good of [
      'https://api.eu.sendgrid.com',
      'http://127.0.0.1:8025',
      'http://localhost:8025/',
      'http://[::1]:8025',
    ])
      expect(parseSettings({ ...storage, SENDGRID_BASE_URL: good }).SENDGRID_BASE_URL, good).toBe(good);
  });

  it('refuses an unresolved Key Vault reference as the SendGrid key', () => {
    expect(() =>
      parseSettings({ ...storage, SENDGRID_API_KEY: '@Microsoft.KeyVault(VaultName=v;SecretName=s)' }),
    ).toThrow(/SENDGRID_API_KEY/);
  });

  it("drops whitespace around the SendGrid key (`az keyvault secret set --file` keeps the file's final newline)", () => {
    expect(parseSettings({ ...storage, SENDGRID_API_KEY: 'SG.abc.def\n' }).SENDGRID_API_KEY).toBe(
      'SG.abc.def',
    );
    expect(parseSettings({ ...storage, SENDGRID_API_KEY: ' SG.abc.def\r\n' }).SENDGRID_API_KEY).toBe(
      'SG.abc.def',
    );
    expect(() => parseSettings({ ...storage, SENDGRID_API_KEY: '\n' })).toThrow(/SENDGRID_API_KEY/);
  });

  it('treats empty values as unset (local.settings.json placeholders)', () => {
    expect(parseSettings({ ...storage, SENDGRID_API_KEY: '' }).SENDGRID_API_KEY).toBeUndefined();
  });
});

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createAuthenticator } from '../../../shared/auth/authenticate';
import { DirectoryRole } from '../../../shared/auth/roles';
import { parseTokenArgs } from '../../../tools/token';

const TENANT = '11111111-1111-4111-8111-111111111111';
const USER = '22222222-2222-4222-8222-222222222222';
const ROOT = path.resolve(__dirname, '../../..');
const JWT_LINE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/;

const run = promisify(execFile);

describe('parseTokenArgs', () => {
  it('reads GUIDs and role names for --wids, app roles, minutes and both flag forms', () => {
    expect(
      parseTokenArgs([
        '--tenant',
        TENANT.toUpperCase(),
        `--user=${USER}`,
        '--wids',
        'securityreader,GlobalAdministrator,F2EF992C-3AFB-46B9-B7CF-A126EE74C451',
        '--minutes',
        '5',
      ]),
    ).toEqual({
      tenantId: TENANT,
      objectId: USER,
      wids: [DirectoryRole.SecurityReader, DirectoryRole.GlobalAdministrator, DirectoryRole.GlobalReader],
      roles: [],
      minutes: 5,
    });
    expect(parseTokenArgs(['--tenant', TENANT, '--roles', 'IdentityRiskEvent.ReadWrite.All'])).toMatchObject({
      roles: ['IdentityRiskEvent.ReadWrite.All'],
      minutes: 60,
    });
    expect(parseTokenArgs(['--tenant', TENANT, '--help'])).toBe('help');
  });

  it.each([
    [[], /--tenant is required/],
    [['--tenant', 'contoso', '--user', USER], /--tenant must be a GUID/],
    [['--tenant', TENANT, '--user', 'alice'], /--user must be a GUID/],
    [['--tenant', TENANT], /--user OID .* or --roles/],
    [['--tenant', TENANT, '--user', USER, '--wids', 'Admin'], /neither a GUID nor one of/],
    [['--tenant', TENANT, '--roles', 'a b'], /not an app role name/],
    [['--tenant', TENANT, '--roles', 'A,,B'], /empty item/],
    [['--tenant', TENANT, '--user', USER, '--minutes', '0'], /--minutes/],
    [['--tenant', TENANT, '--user', USER, '--minutes', '1.5'], /--minutes/],
    [['--tenant', TENANT, '--user', USER, '--tenant', TENANT], /given twice/],
    [['--tenant'], /needs a value/],
    [['--tenant', TENANT, '--bogus'], /unknown argument/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseTokenArgs(argv)).toThrow(message);
  });
});

describe('npm run -s token (subprocess)', { timeout: 60_000 }, () => {
  let dir: string;
  let keyFile: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'riskloop-token-'));
    keyFile = path.join(dir, '.riskloop', 'dev-signing-key.json');
    env = { ...process.env, DEV_SIGNING_KEY_FILE: keyFile };
    delete env['AUTH_AUDIENCE'];
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const auth = () => createAuthenticator({ mode: 'dev', audience: 'api://riskloop', keyFile });

  it('R-A2 prints exactly one JWT line that the dev authenticator accepts', async () => {
    const { stdout } = await run(
      'npm',
      ['run', '-s', 'token', '--', '--tenant', TENANT, '--user', USER, '--wids', 'SecurityOperator'],
      { cwd: ROOT, env, shell: process.platform === 'win32' },
    );
    expect(stdout).toMatch(JWT_LINE);
    await expect(auth().authenticate(`Bearer ${stdout.trim()}`)).resolves.toEqual(
      expect.objectContaining({
        tenantId: TENANT,
        objectId: USER,
        kind: 'delegated',
        wids: [DirectoryRole.SecurityOperator],
      }),
    );
  });

  it('R-A3 --roles without --user prints an app-only token', async () => {
    const { stdout } = await run(
      'npx',
      [
        'tsx',
        'tools/token.ts',
        '--tenant',
        TENANT,
        '--roles',
        'IdentityRiskEvent.ReadWrite.All',
        '--key-file',
        keyFile,
      ],
      { cwd: ROOT, env, shell: process.platform === 'win32' },
    );
    expect(stdout).toMatch(JWT_LINE);
    await expect(auth().authenticate(`Bearer ${stdout.trim()}`)).resolves.toMatchObject({
      kind: 'app',
      roles: ['IdentityRiskEvent.ReadWrite.All'],
    });
  });

  it('bad input: exit code 2, the reason on stderr, nothing on stdout', async () => {
    const failure: unknown = await run(
      'npx',
      ['tsx', 'tools/token.ts', '--tenant', 'not-a-guid', '--user', USER],
      {
        cwd: ROOT,
        env,
        shell: process.platform === 'win32',
      },
    ).then(
      () => new Error('expected a failure'),
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ code: 2, stdout: '' });
    expect((failure as { stderr: string }).stderr).toMatch(/--tenant must be a GUID/);
  });
});

describe('npm run -s token: the settings the service uses (subprocess)', { timeout: 60_000 }, () => {
  const TSX_CLI = require.resolve('tsx/cli');
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'riskloop-token-settings-'));
    env = { ...process.env };
    delete env['DEV_SIGNING_KEY_FILE'];
    delete env['AUTH_AUDIENCE'];
    // What `npm start` applies in this folder: another key file and audience than the defaults.
    await writeFile(
      path.join(dir, 'local.settings.json'),
      JSON.stringify({
        IsEncrypted: false,
        Values: {
          AUTH_MODE: 'dev',
          DEV_SIGNING_KEY_FILE: 'keys/from-settings.json',
          AUTH_AUDIENCE: 'api://from-settings, api://second',
        },
      }),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** The token tool as `npm run -s token` runs it in a project folder (here: `dir`). */
  async function token(extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
    const { stdout } = await run(
      process.execPath,
      [TSX_CLI, path.join(ROOT, 'tools', 'token.ts'), '--tenant', TENANT, '--user', USER],
      { cwd: dir, env: { ...env, ...extraEnv } },
    );
    expect(stdout).toMatch(JWT_LINE);
    return stdout.trim();
  }

  const accepted = (keyFile: string, audience: string, jwt: string) =>
    createAuthenticator({ mode: 'dev', audience, keyFile }).authenticate(`Bearer ${jwt}`);

  it('uses the key file and first audience of local.settings.json, as npm start does', async () => {
    await expect(
      accepted(path.join(dir, 'keys', 'from-settings.json'), 'api://from-settings', await token()),
    ).resolves.toMatchObject({ tenantId: TENANT, objectId: USER });
  });

  it('uses those the running npm start recorded in .riskloop/runtime.json over local.settings.json', async () => {
    const keyFile = path.join(dir, 'keys', 'of-the-running-service.json');
    await mkdir(path.join(dir, '.riskloop'), { recursive: true });
    const runtimeFile = path.join(dir, '.riskloop', 'runtime.json');
    // A live pid (this test's), as if npm start had been started with other settings in its environment.
    await writeFile(
      runtimeFile,
      JSON.stringify({
        pid: process.pid,
        url: 'http://127.0.0.1:7071',
        connectionString: 'UseDevelopmentStorage=true',
        keyFile,
        audience: 'api://of-the-running-service',
      }),
    );
    try {
      await expect(accepted(keyFile, 'api://of-the-running-service', await token())).resolves.toMatchObject({
        tenantId: TENANT,
      });
    } finally {
      await rm(runtimeFile);
    }
  });

  it('the environment wins over local.settings.json, as it does for npm start', async () => {
    const keyFile = path.join(dir, 'keys', 'from-env.json');
    const jwt = await token({ DEV_SIGNING_KEY_FILE: keyFile, AUTH_AUDIENCE: 'api://from-env' });
    await expect(accepted(keyFile, 'api://from-env', jwt)).resolves.toMatchObject({ tenantId: TENANT });
  });
});

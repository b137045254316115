import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../../tools/azurite';

/**
 * `npm run seed` finds its storage as `npm start` and `npm run token` do (SPEC §9): the
 * environment, else the running service, else local.settings.json. Run in a scratch folder,
 * so that no `npm start` of the checkout is seen.
 */
const ROOT = path.resolve(__dirname, '../..');
const TSX_CLI = require.resolve('tsx/cli');
const run = promisify(execFile);

let azurite: AzuriteInstance;
let dir: string;

beforeAll(async () => {
  azurite = await startAzurite();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskloop-seed-cli-'));
  fs.copyFileSync(path.join(ROOT, 'seeds', 'fabrikam-free.json'), path.join(dir, 'fabrikam-free.json'));
});

afterAll(async () => {
  await azurite?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A developer's shell: none of the storage settings set. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('AzureWebJobsStorage')) delete env[key];
  return env;
}

const seed = (...files: string[]) =>
  run(
    process.execPath,
    [TSX_CLI, path.join(ROOT, 'tools', 'seed.ts'), ...(files.length > 0 ? files : ['fabrikam-free.json'])],
    { cwd: dir, env: cleanEnv() },
  );

/** The seed refuses to run, naming what is missing. */
async function expectNoStorageFound(): Promise<void> {
  const failed = await seed().then(
    () => undefined,
    (error: unknown) => error as { code: number; stderr: string },
  );
  expect(failed?.code).toBe(1);
  expect(failed?.stderr).toContain('AzureWebJobsStorage is not set, neither here nor in local.settings.json');
}

describe('npm run seed without npm start running', () => {
  it('names what is missing when no storage is set anywhere', async () => {
    await expectNoStorageFound();
  });

  it('does not take identity-based settings of local.settings.json alone: npm start would use its embedded Azurite', async () => {
    fs.writeFileSync(
      path.join(dir, 'local.settings.json'),
      JSON.stringify({ IsEncrypted: false, Values: { AzureWebJobsStorage__accountName: 'stprod' } }),
    );
    await expectNoStorageFound();
  });

  it('uses the storage of local.settings.json, as npm start would', async () => {
    fs.writeFileSync(
      path.join(dir, 'local.settings.json'),
      JSON.stringify({ IsEncrypted: false, Values: { AzureWebJobsStorage: azurite.connectionString } }),
    );
    const { stdout } = await seed();
    expect(stdout).toMatch(/^fabrikam-free\.json: tenant [0-9a-f-]{36} \(.+\): \d+ users/);
  });
});

describe('npm run seed reads tenant files as an operator saves them (SPEC §9)', () => {
  beforeAll(() => {
    fs.writeFileSync(
      path.join(dir, 'local.settings.json'),
      JSON.stringify({ IsEncrypted: false, Values: { AzureWebJobsStorage: azurite.connectionString } }),
    );
  });

  it('loads a file that starts with a byte order mark, as Windows PowerShell writes UTF-8', async () => {
    const text = fs.readFileSync(path.join(dir, 'fabrikam-free.json'), 'utf8');
    fs.writeFileSync(path.join(dir, 'with-bom.json'), `\uFEFF${text}`);
    const { stdout } = await seed('with-bom.json');
    expect(stdout).toMatch(/^with-bom\.json: tenant [0-9a-f-]{36} \(.+\): \d+ users/);
  });

  it('R-X1: names the file that is not valid JSON, and loads none of the files', async () => {
    fs.writeFileSync(path.join(dir, 'broken.json'), '{"tenant": ');
    const failed = await seed('fabrikam-free.json', 'broken.json').then(
      () => undefined,
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toMatch(/^broken\.json: not valid JSON/);
    expect(failed?.stdout).toBe('');
  });
});

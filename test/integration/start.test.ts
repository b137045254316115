import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../shared/auth';
import { DirectoryRole } from '../../shared/auth/roles';
import { NEVER_DURING_TESTS } from '../helpers/service';

/**
 * `npm start` (tools/start.ts) for real: the embedded Azurite, the local host, the demo
 * seeds. It runs in a scratch folder laid out like the project (package.json, host.json,
 * dist/, seeds/), so that its .riskloop/, local.settings.json and outbox/ are the test's and
 * never those of the checkout (or of a developer's `npm start` running in it).
 */

const ROOT = path.resolve(__dirname, '../..');
const START = path.join(ROOT, 'tools', 'start.ts');
const TSX_CLI = require.resolve('tsx/cli');
const DEMO_TENANT = '7d1e2f3a-1111-4c2b-9a55-0d5e6f7a8b9c';
/** local.settings.json of the scratch project: not the default key file, nor the default audience. */
const SETTINGS = { DEV_SIGNING_KEY_FILE: 'keys/dev-key.json', AUTH_AUDIENCE: 'api://riskloop-start-test' };

const run = promisify(execFile);

interface StartRun {
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGTERM (what Ctrl-C's SIGINT does too), then the exit code; SIGKILL after 20 s. */
  stop(): Promise<number | null>;
}

function scratchProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskloop-start-'));
  for (const file of ['package.json', 'host.json', 'tsconfig.json']) {
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  for (const folder of ['dist', 'seeds']) {
    fs.cpSync(path.join(ROOT, folder), path.join(dir, folder), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'junction');
  fs.writeFileSync(
    path.join(dir, 'local.settings.json'),
    JSON.stringify({ IsEncrypted: false, Values: SETTINGS }, null, 2),
  );
  return dir;
}

/** The environment of a developer's shell: none of the app's settings set. */
function cleanEnv(port: number | string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(AzureWebJobsStorage|AUTH_|DEV_SIGNING_KEY_FILE|SENDGRID_|EMAIL_|REPORT_BASE_URL)/.test(key)) {
      delete env[key];
    }
  }
  // A run at the real Monday 09:00 would send the demo tenants' digest; harmless, but noise.
  return { ...env, PORT: String(port), WEEKLY_DIGEST_SCHEDULE: NEVER_DURING_TESTS };
}

function npmStart(cwd: string, port: number | string): StartRun {
  // As `npm start` runs it: the tsx CLI, which runs start.ts in a child and passes signals on.
  const child: ChildProcess = spawn(process.execPath, [TSX_CLI, START], {
    cwd,
    env: cleanEnv(port),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.kill('SIGTERM');
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function health(port: number): Promise<Response | undefined> {
  try {
    return await fetch(`http://127.0.0.1:${port}/v1.0/riskloop/health`);
  } catch {
    return undefined; // not listening yet
  }
}

interface Answer {
  status: number;
  retryAfter: string | null;
}

/**
 * Polls health as a script would, as fast as it reasonably can, until the first 200; then
 * at once runs `whenHealthy`. Returns the answers before the 200 and what `whenHealthy` found.
 */
async function waitForHealthy<T>(
  port: number,
  run: StartRun,
  whenHealthy: () => Promise<T>,
  timeoutMs = 90_000,
): Promise<{ before: Answer[]; found: T }> {
  const deadline = Date.now() + timeoutMs;
  const before: Answer[] = [];
  for (;;) {
    const res = await health(port);
    if (res?.status === 200) return { before, found: await whenHealthy() };
    if (res) before.push({ status: res.status, retryAfter: res.headers.get('retry-after') });
    await res?.body?.cancel();
    if (Date.now() > deadline) throw new Error(`npm start was not healthy in time:\n${run.output()}`);
    const exited = await Promise.race([run.exited, new Promise((r) => setTimeout(r, 25, 'running'))]);
    if (exited !== 'running') throw new Error(`npm start exited with ${String(exited)}:\n${run.output()}`);
  }
}

/** What a script finds when it calls the demo tenant right after health's first 200. */
async function demoTenantState(dir: string, port: number) {
  const token = await mintDevToken({
    keyFile: path.join(dir, SETTINGS.DEV_SIGNING_KEY_FILE),
    audience: SETTINGS.AUTH_AUDIENCE,
    tenantId: DEMO_TENANT,
    objectId: '00000003-aaaa-4bbb-8ccc-000000000003',
    wids: [DirectoryRole.SecurityReader],
  });
  const get = (route: string) =>
    fetch(`http://127.0.0.1:${port}/v1.0${route}`, { headers: { authorization: `Bearer ${token}` } });
  const list = await get('/identityProtection/riskyUsers');
  await list.body?.cancel();
  // Heidi: start.ts dismisses her through the API (demo feedback). Recorded at once, the
  // action shows as isProcessing until the worker applies it, then as her state.
  const heidi = await get('/identityProtection/riskyUsers/00000012-aaaa-4bbb-8ccc-000000000012');
  return {
    riskyUsers: list.status,
    heidi:
      heidi.status === 200
        ? ((await heidi.json()) as { riskState: string; isProcessing: boolean })
        : heidi.status,
  };
}

describe('npm start (tools/start.ts)', () => {
  let dir: string;
  let port: number;
  let first: StartRun | undefined;
  let startup: { before: Answer[]; found: Awaited<ReturnType<typeof demoTenantState>> };
  const runtimeFile = (): string => path.join(dir, '.riskloop', 'runtime.json');

  beforeAll(async () => {
    dir = scratchProject();
    port = await freePort();
    first = npmStart(dir, port);
    startup = await waitForHealthy(port, first, () => demoTenantState(dir, port));
  }, 120_000);

  afterAll(async () => {
    await first?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers health 200 only once the demo seed and the demo feedback are in, 503 with Retry-After before (SPEC §9)', () => {
    expect(startup.found.riskyUsers).toBe(200);
    const heidi = startup.found.heidi;
    expect(heidi).toMatchObject({ isProcessing: expect.any(Boolean), riskState: expect.any(String) });
    const { isProcessing, riskState } = heidi as { isProcessing: boolean; riskState: string };
    expect(isProcessing || riskState === 'dismissed', JSON.stringify(heidi)).toBe(true);
    // The port opens before the seeds load: whoever polls it meanwhile is told to come back.
    expect(startup.before.length).toBeGreaterThan(0);
    expect(startup.before).toEqual(startup.before.map(() => ({ status: 503, retryAfter: '1' })));
  });

  it('npm run -s token in the project mints tokens the running service accepts (both apply local.settings.json)', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        TSX_CLI,
        path.join(ROOT, 'tools', 'token.ts'),
        '--tenant',
        DEMO_TENANT,
        '--user',
        '00000003-aaaa-4bbb-8ccc-000000000003',
        '--wids',
        'SecurityReader',
      ],
      { cwd: dir, env: cleanEnv(port) },
    );
    const res = await fetch(`http://127.0.0.1:${port}/v1.0/identityProtection/riskyUsers`, {
      headers: { authorization: `Bearer ${stdout.trim()}` },
    });
    expect(res.status).toBe(200);
    // The runtime file names the key's file, never the key.
    expect(JSON.parse(fs.readFileSync(runtimeFile(), 'utf8'))).toEqual({
      pid: expect.any(Number),
      url: `http://127.0.0.1:${port}`,
      connectionString: expect.any(String),
      keyFile: fs.realpathSync(path.join(dir, SETTINGS.DEV_SIGNING_KEY_FILE)),
      audience: SETTINGS.AUTH_AUDIENCE,
    });
  });

  it('a second npm start that fails (its port is taken) leaves the running one its .riskloop/runtime.json', async () => {
    const before = fs.readFileSync(runtimeFile(), 'utf8');
    expect(JSON.parse(before)).toMatchObject({ url: `http://127.0.0.1:${port}` });

    const second = npmStart(dir, port);
    const code = await Promise.race([
      second.exited,
      new Promise((r) => setTimeout(r, 60_000, 'still running')).then(() => second.stop()),
    ]);
    expect(code, second.output()).toBe(1);
    // The operator is told which setting to change, not only Node's EADDRINUSE.
    expect(second.output()).toContain(`Port ${port} is already in use`);
    expect(second.output()).toContain('set PORT to another port');
    expect(fs.readFileSync(runtimeFile(), 'utf8')).toBe(before);
    expect((await health(port))?.status).toBe(200);
  }, 90_000);

  it('a PORT that is not a port number is refused by name, before the embedded Azurite starts', async () => {
    const bad = npmStart(dir, '70000');
    const code = await Promise.race([
      bad.exited,
      new Promise((r) => setTimeout(r, 30_000, 'still running')).then(() => bad.stop()),
    ]);
    expect(code, bad.output()).toBe(1);
    expect(bad.output()).toContain('PORT must be a port number from 0 to 65535 (got "70000")');
    expect(bad.output()).not.toContain('Embedded Azurite');
  }, 60_000);

  it('Ctrl-C (SIGTERM) stops it, and it removes its own runtime file', async () => {
    expect(await first!.stop()).toBe(0);
    expect(fs.existsSync(runtimeFile())).toBe(false);
    expect(await health(port)).toBeUndefined();
  }, 60_000);
});

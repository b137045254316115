import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  return dir;
}

/** The environment of a developer's shell: none of the app's settings set. */
function cleanEnv(port: number): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(AzureWebJobsStorage|AUTH_|DEV_SIGNING_KEY_FILE|SENDGRID_|EMAIL_|REPORT_BASE_URL)/.test(key)) {
      delete env[key];
    }
  }
  // A run at the real Monday 09:00 would send the demo tenants' digest; harmless, but noise.
  return { ...env, PORT: String(port), WEEKLY_DIGEST_SCHEDULE: NEVER_DURING_TESTS };
}

function npmStart(cwd: string, port: number): StartRun {
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

/** Polls health as a script would, as fast as it reasonably can, until the first 200. */
async function waitForHealthy(port: number, run: StartRun, timeoutMs = 90_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await health(port);
    if (res?.status === 200) return res;
    await res?.body?.cancel();
    if (Date.now() > deadline) throw new Error(`npm start was not healthy in time:\n${run.output()}`);
    const exited = await Promise.race([run.exited, new Promise((r) => setTimeout(r, 25, 'running'))]);
    if (exited !== 'running') throw new Error(`npm start exited with ${String(exited)}:\n${run.output()}`);
  }
}

describe('npm start (tools/start.ts)', () => {
  let dir: string;
  let port: number;
  let first: StartRun | undefined;
  const runtimeFile = (): string => path.join(dir, '.riskloop', 'runtime.json');

  beforeAll(async () => {
    dir = scratchProject();
    port = await freePort();
    first = npmStart(dir, port);
    await waitForHealthy(port, first);
  }, 120_000);

  afterAll(async () => {
    await first?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
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
    expect(fs.readFileSync(runtimeFile(), 'utf8')).toBe(before);
    expect((await health(port))?.status).toBe(200);
  }, 90_000);

  it('Ctrl-C (SIGTERM) stops it, and it removes its own runtime file', async () => {
    expect(await first!.stop()).toBe(0);
    expect(fs.existsSync(runtimeFile())).toBe(false);
    expect(await health(port)).toBeUndefined();
  }, 60_000);
});

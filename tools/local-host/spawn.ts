import { spawn } from 'node:child_process';
import path from 'node:path';

/** The CLI prints this, followed by the URL, once it serves requests. */
export const READY_PREFIX = 'Local host listening on ';

export interface SpawnedLocalHost {
  readonly url: string;
  readonly port: number;
  /** The host process's id (for measuring its memory, e.g. /proc/PID/status). */
  readonly pid: number;
  /** Everything the host printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then waits for a clean exit (SIGKILL after `killAfterMs`). */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  appDir: string;
  port?: number;
  /** Added to the parent's environment. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
  killAfterMs?: number;
}

/**
 * Starts the local host CLI in a child process: the way to get a fresh host (one process
 * hosts one app), e.g. to test what a restart does.
 */
export async function spawnLocalHost(options: SpawnOptions): Promise<SpawnedLocalHost> {
  const repoRoot = path.resolve(__dirname, '..', '..');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(__dirname, 'main.ts'),
      '--app',
      path.resolve(options.appDir),
      '--port',
      String(options.port ?? 0),
    ],
    { cwd: repoRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Local host did not start within ${options.startTimeoutMs ?? 30_000} ms:\n${output}`));
    }, options.startTimeoutMs ?? 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = new RegExp(`${READY_PREFIX}(http://\\S+)`).exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Local host exited with code ${code}:\n${output}`));
    });
  });

  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 15_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(killer);
    },
  };
}

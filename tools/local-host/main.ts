/**
 * `tsx tools/local-host/main.ts [--port N] [--app DIR]`: serves the app in DIR (default: the
 * current folder) with the current environment until SIGINT/SIGTERM. One process, one app.
 */
import { startLocalHost } from './index';
import { READY_PREFIX } from './spawn';

function parseArgs(argv: readonly string[]): { port: number; appDir: string } {
  let port = 0;
  let appDir = process.cwd();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--port' && value !== undefined && /^\d+$/.test(value)) {
      port = Number(value);
      i++;
    } else if (arg === '--app' && value !== undefined) {
      appDir = value;
      i++;
    } else {
      throw new Error(`Unknown argument "${arg}". Usage: main.ts [--port N] [--app DIR]`);
    }
  }
  return { port, appDir };
}

async function main(): Promise<void> {
  const { port, appDir } = parseArgs(process.argv.slice(2));
  const host = await startLocalHost({ appDir, port });
  console.log(`${READY_PREFIX}${host.url}`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second Ctrl-C means "now": do not wait for invocations any longer.
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal} received, stopping...`);
    host.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(`Local host failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync, type Unzipped } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteInstance } from '../../tools/azurite';
import { globFiles } from '../../tools/local-host/glob';
import { spawnLocalHost, type SpawnedLocalHost } from '../../tools/local-host/spawn';
import { NEVER_DURING_TESTS } from '../helpers/service';

/**
 * `npm run package` for real (compile, `npm ci --omit=dev`, zip), then the zip is opened,
 * its contents checked, and the unpacked app served by the local host the way Azure loads
 * it (package.json `main`, production node_modules only).
 */

const ROOT = path.resolve(__dirname, '../..');
const PACKAGE_TIMEOUT_MS = 300_000;

let dir: string;
let entries: Unzipped;
let names: string[];

function mainOf(pkgJson: Uint8Array): { main: string; scripts?: unknown; devDependencies?: unknown } {
  return JSON.parse(Buffer.from(pkgJson).toString('utf8')) as {
    main: string;
    scripts?: unknown;
    devDependencies?: unknown;
  };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskloop-package-'));
  execFileSync('npm', ['run', '-s', 'package', '--', '--out', dir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: PACKAGE_TIMEOUT_MS,
  });
  entries = unzipSync(fs.readFileSync(path.join(dir, 'riskloop.zip')));
  names = Object.keys(entries);
}, PACKAGE_TIMEOUT_MS + 10_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('npm run package', () => {
  it('zips only the app as Azure runs it: dist, host.json, package.json, its lock and production node_modules', () => {
    const topLevel = new Set(names.map((name) => name.split('/')[0]));
    expect([...topLevel].sort()).toEqual([
      'dist',
      'host.json',
      'node_modules',
      'package-lock.json',
      'package.json',
    ]);
    for (const name of names.filter((n) => n.startsWith('dist/'))) {
      expect(name).toMatch(/^dist\/(functions|shared)\/.+\.js$/);
    }
    expect(Buffer.from(entries['host.json']!).toString('utf8')).toBe(
      fs.readFileSync(path.join(ROOT, 'host.json'), 'utf8'),
    );
  });

  it('compiles every function file of the sources, and package.json main matches them', () => {
    const functions = fs
      .readdirSync(path.join(ROOT, 'functions'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `dist/functions/${f.replace(/\.ts$/, '.js')}`)
      .sort();
    expect(names.filter((n) => /^dist\/functions\/[^/]+\.js$/.test(n)).sort()).toEqual(functions);

    const pkg = mainOf(entries['package.json']!);
    expect(pkg.main).toBe('dist/functions/*.js');
    const unpacked = path.join(dir, 'riskloop');
    const matched = globFiles(unpacked, pkg.main).map((f) =>
      path.relative(unpacked, f).split(path.sep).join('/'),
    );
    expect(matched.sort()).toEqual(functions);
  });

  it('ships production dependencies only, and no scripts or devDependencies in package.json', () => {
    const rootPkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const dependency of Object.keys(rootPkg.dependencies)) {
      expect(names, dependency).toContain(`node_modules/${dependency}/package.json`);
    }
    for (const tool of ['typescript', 'vitest', 'azurite', 'tsx', 'eslint', 'fflate']) {
      expect(
        names.some((n) => n.startsWith(`node_modules/${tool}/`)),
        tool,
      ).toBe(false);
    }
    const pkg = mainOf(entries['package.json']!);
    expect(pkg.scripts).toBeUndefined();
    expect(pkg.devDependencies).toBeUndefined();
    const lock = JSON.parse(Buffer.from(entries['package-lock.json']!).toString('utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    expect(Object.values(lock.packages).filter((p) => p.dev)).toEqual([]);
  });

  it('leaves out tests, seeds, tools, settings, source maps, sources and secrets', () => {
    const outside = names.filter((n) => !n.startsWith('node_modules/'));
    for (const name of outside) {
      expect(name).not.toMatch(/^(test|seeds|tools|bench|infra|docs|outbox|\.riskloop)\//);
      expect(name).not.toMatch(/\.(ts|map|pem|env)$/);
    }
    expect(names.some((n) => /(^|\/)local\.settings(\.example)?\.json$/.test(n))).toBe(false);
    expect(names.some((n) => /dev-signing-key/.test(n))).toBe(false);
    for (const name of outside.filter((n) => n.endsWith('.js'))) {
      const text = Buffer.from(entries[name]!).toString('utf8');
      expect(text, name).not.toMatch(/AccountKey=|SG\.[\w-]{16,}/);
    }
  });
});

describe('the unpacked package, served the way Azure loads it', () => {
  let azurite: AzuriteInstance | undefined;
  let host: SpawnedLocalHost | undefined;
  const appDir = (): string => path.join(dir, 'unzipped');

  beforeAll(async () => {
    for (const [name, data] of Object.entries(entries)) {
      if (name.endsWith('/')) continue;
      const target = path.join(appDir(), name);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, data);
    }
    azurite = await startAzurite();
    host = await spawnLocalHost({
      appDir: appDir(),
      env: {
        AzureWebJobsStorage: azurite.connectionString,
        AUTH_MODE: 'entra',
        AUTH_AUDIENCE: 'api://riskloop-package-test',
        // A %setting% in a trigger must exist as an app setting, in Azure too (infra sets it).
        WEEKLY_DIGEST_SCHEDULE: NEVER_DURING_TESTS,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await host?.stop();
    await azurite?.stop();
  });

  it('starts with production node_modules only and answers health and the OpenAPI document', async () => {
    const health = await fetch(`${host!.url}/v1.0/riskloop/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'healthy', storage: 'ok' });
    const openapi = await fetch(`${host!.url}/v1.0/riskloop/openapi.json`);
    expect(openapi.status).toBe(200);
    const unauthenticated = await fetch(`${host!.url}/v1.0/identityProtection/riskyUsers`);
    expect(unauthenticated.status).toBe(401);
  });
});

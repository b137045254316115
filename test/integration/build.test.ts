import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm run build` in a copy of the project: building in the checkout itself would empty
 * the dist/ that other test files' hosts are loading meanwhile.
 */

const ROOT = path.resolve(__dirname, '../..');
const BUILD_TIMEOUT_MS = 120_000;

let dir: string;

const exists = (relative: string): boolean => fs.existsSync(path.join(dir, relative));

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskloop-build-'));
  for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) {
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  for (const folder of ['functions', 'shared', 'tools']) {
    fs.cpSync(path.join(ROOT, folder), path.join(dir, folder), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'junction');

  // What an earlier build left: a function since renamed away, a module since deleted,
  // and the deployment package `npm run package` wrote.
  for (const [file, text] of [
    ['dist/functions/renamed-away.js', 'require("@azure/functions").app.http("renamed-away", {});'],
    ['dist/functions/renamed-away.js.map', '{}'],
    ['dist/shared/deleted-module.js', ''],
    ['dist/package/riskloop.zip', 'the deployment package'],
  ] as const) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }

  execFileSync('npm', ['run', '-s', 'build'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: BUILD_TIMEOUT_MS,
    shell: process.platform === 'win32',
  });
}, BUILD_TIMEOUT_MS + 10_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('leaves no output of sources that are gone: dist/functions holds exactly the functions/ files', () => {
    expect(exists('dist/functions/renamed-away.js')).toBe(false);
    expect(exists('dist/functions/renamed-away.js.map')).toBe(false);
    expect(exists('dist/shared/deleted-module.js')).toBe(false);
    const compiled = fs
      .readdirSync(path.join(dir, 'dist', 'functions'))
      .filter((f) => f.endsWith('.js'))
      .sort();
    const sources = fs
      .readdirSync(path.join(dir, 'functions'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, '.js'))
      .sort();
    expect(compiled).toEqual(sources);
  });

  it('keeps the deployment package (npm run package compiles its own copy)', () => {
    expect(fs.readFileSync(path.join(dir, 'dist', 'package', 'riskloop.zip'), 'utf8')).toBe(
      'the deployment package',
    );
  });
});

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { globFiles } from './local-host/glob';

/**
 * `npm run package [-- --out DIR]`: the deployment package exactly as Azure runs it.
 *
 * DIR (default `dist/package`) receives `riskloop/` (the staged app) and `riskloop.zip`
 * (the same files). The package holds `dist/functions` and `dist/shared` compiled afresh
 * (so no stale or test output can slip in), `host.json`, `package.json` without scripts or
 * devDependencies, a matching `package-lock.json`, and the production `node_modules`
 * installed by `npm ci --omit=dev`. Nothing else: no tests, seeds, tools, settings or keys.
 */

const ROOT = path.resolve(__dirname, '..');
/** Fixed entry time, so the same inputs give the same zip. */
const ENTRY_TIME = new Date('2020-01-01T00:00:00Z');
/** Top-level entries the package may contain; anything else is a packaging bug. */
const ALLOWED_TOP_LEVEL = new Set(['dist', 'host.json', 'package.json', 'package-lock.json', 'node_modules']);

interface PackageJson {
  name: string;
  version: string;
  main: string;
  scripts?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

function outDirFrom(argv: readonly string[]): string {
  const i = argv.indexOf('--out');
  if (i < 0) return path.join(ROOT, 'dist', 'package');
  const value = argv[i + 1];
  if (!value) throw new Error('usage: npm run package [-- --out DIR]');
  return path.resolve(value);
}

function run(command: string, args: readonly string[], cwd: string): void {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Every file under `dir`, as paths relative to it with `/` separators; `.bin` links are skipped. */
function listFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      // Executable shims of dependencies: symlinks, and never run by the Functions host.
      if (entry.name === '.bin' && prefix.endsWith('node_modules')) continue;
      files.push(...listFiles(dir, relative));
    } else if (entry.isFile()) {
      files.push(relative);
    } else {
      throw new Error(`${relative}: only plain files can be packaged (found a link or special file)`);
    }
  }
  return files;
}

function checkContents(files: readonly string[]): void {
  for (const file of files) {
    const top = file.split('/')[0]!;
    if (!ALLOWED_TOP_LEVEL.has(top)) throw new Error(`unexpected file in the package: ${file}`);
    if (top === 'dist' && !/^dist\/(functions|shared)\/.+\.js$/.test(file)) {
      throw new Error(`unexpected build output in the package: ${file}`);
    }
  }
}

function stage(staging: string): PackageJson {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });

  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  run(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', path.join(staging, 'dist'), '--sourceMap', 'false'],
    ROOT,
  );

  fs.copyFileSync(path.join(ROOT, 'host.json'), path.join(staging, 'host.json'));
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(staging, 'package.json'));
  fs.copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(staging, 'package-lock.json'));
  // Dependencies' install scripts never run while packaging; none of ours needs one.
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], staging);

  // What Azure sees: no scripts (a remote build must not try to compile), no dev tooling,
  // and a lock file that matches, so a remote `npm install` gets these very versions.
  const { scripts: _scripts, devDependencies: _dev, ...deployed } = pkg;
  fs.writeFileSync(path.join(staging, 'package.json'), `${JSON.stringify(deployed, null, 2)}\n`);
  run(
    'npm',
    [
      'install',
      '--package-lock-only',
      '--omit=dev',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--offline',
    ],
    staging,
  );
  return pkg;
}

function zipDirectory(staging: string, files: readonly string[], zipPath: string): void {
  const entries: Zippable = {};
  for (const file of files) {
    const full = path.join(staging, file);
    const mode = fs.statSync(full).mode & 0o777;
    // os 3 = Unix, so the permission bits survive on Linux Flex Consumption workers.
    entries[file] = [fs.readFileSync(full), { mtime: ENTRY_TIME, os: 3, attrs: (0o100000 | mode) << 16 }];
  }
  fs.writeFileSync(zipPath, zipSync(entries, { level: 9 }));
}

function main(): void {
  const outDir = outDirFrom(process.argv.slice(2));
  const staging = path.join(outDir, 'riskloop');
  const zipPath = path.join(outDir, 'riskloop.zip');

  const pkg = stage(staging);
  const files = listFiles(staging);
  checkContents(files);
  const entryPoints = globFiles(staging, pkg.main);
  if (entryPoints.length === 0)
    throw new Error(`package.json main "${pkg.main}" matches no file in the package`);

  fs.rmSync(zipPath, { force: true });
  zipDirectory(staging, files, zipPath);
  const size = fs.statSync(zipPath).size;
  console.log(
    `${path.relative(process.cwd(), zipPath) || zipPath}: ${files.length} files, ${(size / 1024 / 1024).toFixed(1)} MiB, ` +
      `${entryPoints.length} function files (${pkg.main})`,
  );
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(__dirname, '../../../tools/render-emails.ts');
const TSX_CLI = require.resolve('tsx/cli');

const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the tool in `cwd`; resolves with its exit code whether it succeeded or not. */
async function renderEmails(cwd: string, args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TSX_CLI, SCRIPT, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('npx tsx tools/render-emails.ts (subprocess)', { timeout: 60_000 }, () => {
  let cwd: string;

  beforeEach(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'riskloop-render-'));
  });
  afterEach(() => rm(cwd, { recursive: true, force: true }));

  it.each([['--help'], ['-h']])('%s prints the usage and writes nothing', async (flag) => {
    const outcome = await renderEmails(cwd, [flag]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/^Usage: npx tsx tools\/render-emails\.ts \[OUT_DIR\]/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it.each([[['-x']], [['--out', 'folder']], [['folder', '--verbose']], [['one', 'two']]])(
    'refuses %j with exit code 2 and the usage on stderr, and writes nothing',
    async (args) => {
      const outcome = await renderEmails(cwd, args);
      expect(outcome.code).toBe(2);
      expect(outcome.stdout).toBe('');
      expect(outcome.stderr).toMatch(/^render-emails: .+\n\nUsage:/);
      expect(await readdir(cwd)).toEqual([]);
    },
  );
});

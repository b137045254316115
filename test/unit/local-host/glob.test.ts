import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandBraces, globFiles } from '../../../tools/local-host/glob';

let root: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'local-host-glob-'));
  for (const file of [
    'dist/index.js',
    'dist/functions/a.js',
    'dist/functions/b.js',
    'dist/functions/b.js.map',
    'dist/functions/deep/c.js',
    'dist/functions/.hidden.js',
  ]) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), '');
  }
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const rel = (files: string[]): string[] => files.map((f) => path.relative(root, f).split(path.sep).join('/'));

describe('package.json main globs', () => {
  it('expands braces, nested too', () => {
    expect(expandBraces('dist/{index.js,functions/{a,b}.js}')).toEqual([
      'dist/index.js',
      'dist/functions/a.js',
      'dist/functions/b.js',
    ]);
    expect(expandBraces('plain/{x}.js')).toEqual(['plain/{x}.js']);
  });

  it('matches *, ** and alternatives, skipping dotfiles', () => {
    expect(rel(globFiles(root, 'dist/functions/*.js'))).toEqual([
      'dist/functions/a.js',
      'dist/functions/b.js',
    ]);
    expect(rel(globFiles(root, 'dist/**/*.js'))).toEqual([
      'dist/functions/a.js',
      'dist/functions/b.js',
      'dist/functions/deep/c.js',
      'dist/index.js',
    ]);
    expect(rel(globFiles(root, './dist/{index.js,functions/*.js}'))).toEqual([
      'dist/functions/a.js',
      'dist/functions/b.js',
      'dist/index.js',
    ]);
  });

  it('returns nothing when nothing matches', () => {
    expect(globFiles(root, 'build/*.js')).toEqual([]);
  });
});

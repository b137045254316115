import fs from 'node:fs';
import path from 'node:path';

/**
 * Expands `{a,b}` alternatives (nested too) into plain patterns, like the globbing library the
 * worker uses for `package.json` `main`.
 */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    else if (ch === ',' && depth === 1) commas.push(i);
    if (depth === 0) {
      // A brace without a comma is literal text in glob syntax; keep it and expand what follows.
      if (commas.length === 0) {
        return expandBraces(pattern.slice(i + 1)).map((rest) => pattern.slice(0, i + 1) + rest);
      }
      const prefix = pattern.slice(0, open);
      const suffix = pattern.slice(i + 1);
      const bounds = [open, ...commas, i];
      const alternatives = bounds.slice(1).map((end, k) => pattern.slice(bounds[k]! + 1, end));
      return alternatives.flatMap((alt) => expandBraces(prefix + alt + suffix));
    }
  }
  throw new Error(`Unbalanced "{" in glob pattern "${pattern}"`);
}

function segmentMatcher(segment: string): (name: string) => boolean {
  const source = segment
    .split('')
    .map((ch) => (ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : ch.replace(/[.+^$()|[\]\\]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${source}$`);
  // As in globby/fast-glob: wildcards do not match dotfiles unless the pattern spells the dot.
  const allowDot = segment.startsWith('.');
  return (name) => (allowDot || !name.startsWith('.')) && regex.test(name);
}

function walk(dir: string, segments: readonly string[], found: Set<string>): void {
  const [segment, ...rest] = segments;
  if (segment === undefined) return;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  if (segment === '**') {
    walk(dir, rest, found);
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.'))
        walk(path.join(dir, entry.name), segments, found);
    }
    return;
  }
  const matches = segmentMatcher(segment);
  for (const entry of entries) {
    if (!matches(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (rest.length === 0) {
      if (entry.isFile()) found.add(full);
    } else if (entry.isDirectory()) {
      walk(full, rest, found);
    }
  }
}

/** Files under `baseDir` matching `pattern` (`*`, `?`, `**`, `{a,b}`), absolute and sorted. */
export function globFiles(baseDir: string, pattern: string): string[] {
  const found = new Set<string>();
  for (const expanded of expandBraces(pattern)) {
    const segments = expanded
      .replace(/\\/g, '/')
      .split('/')
      .filter((s, i) => s !== '' && !(s === '.' && i === 0));
    walk(path.resolve(baseDir), segments, found);
  }
  return [...found].sort();
}

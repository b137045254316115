// `npm run build` runs this before tsc, so that dist/ holds only what the sources compile
// to: a function renamed or deleted in functions/ must not stay in dist/functions, where
// package.json `main` (and so the local host, the tests and Core Tools) would still load
// it. Plain Node (no tsx, no dependency), so that npm runs it the same from sh and cmd.
//
// dist/package is left alone: it is `npm run package`'s output (azure.yaml deploys it),
// compiled afresh by that command, never from dist/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, URL } from 'node:url';

const DIST = fileURLToPath(new URL('../dist', import.meta.url));
const KEEP = new Set(['package']);

if (fs.existsSync(DIST)) {
  for (const entry of fs.readdirSync(DIST)) {
    if (!KEEP.has(entry)) fs.rmSync(path.join(DIST, entry), { recursive: true, force: true });
  }
}

import fs from 'node:fs/promises';
import path from 'node:path';
import type { OutgoingEmail } from './outgoing-email';

/** What the `.json` file beside each written email holds. */
export interface OutboxManifest {
  subject: string;
  from: string;
  recipients: string[];
  category: OutgoingEmail['category'];
  idempotencyKey: string;
  writtenAt: string;
  html: string;
  text: string;
}

/**
 * Writes `email` as `<dir>/<timestamp>-<category>-<key>.{html,txt,json}` and returns
 * the `.json` path. Used when no SendGrid key is configured (SPEC §9), so a developer
 * can open what would have been sent. The `.json` name is reserved first, so two
 * writes never share a stem, and filled in last, once the other two are complete.
 */
export async function writeToOutbox(
  email: OutgoingEmail,
  recipients: string[],
  from: string,
  dir: string,
  now: Date = new Date(),
): Promise<string> {
  const folder = path.resolve(dir);
  await fs.mkdir(folder, { recursive: true });
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  // The key may hold ':' or '/' (tenant:window); file names must not.
  const key = email.idempotencyKey.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 100) || 'email';
  const stem = await claimStem(folder, `${stamp}-${email.category}-${key}`);
  const manifest: OutboxManifest = {
    subject: email.subject,
    from,
    recipients,
    category: email.category,
    idempotencyKey: email.idempotencyKey,
    writtenAt: now.toISOString(),
    html: `${path.basename(stem)}.html`,
    text: `${path.basename(stem)}.txt`,
  };
  await fs.writeFile(`${stem}.html`, email.html, 'utf8');
  await fs.writeFile(`${stem}.txt`, email.text, 'utf8');
  await fs.writeFile(`${stem}.json`, `${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  return `${stem}.json`;
}

// Two writes of the same key in the same millisecond must not overwrite each other:
// the first to create the .json name owns the stem ('wx' fails if it exists).
async function claimStem(folder: string, base: string): Promise<string> {
  for (let n = 0; ; n += 1) {
    const stem = path.join(folder, n === 0 ? base : `${base}-${n}`);
    try {
      await fs.writeFile(`${stem}.json`, '', { flag: 'wx' });
      return stem;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 20) throw error;
    }
  }
}

import fs from 'node:fs';
import { SeedFile } from '../shared/domain/seed-file';
import { describeZodError } from '../shared/http/body';
import { useRunningStorage } from './runtime-file';

/** `npm run seed -- FILE...`: loads tenant files (SPEC §9) idempotently into the configured storage. */
async function main(files: string[]): Promise<void> {
  if (files.length === 0) {
    console.error('usage: npm run seed -- FILE [FILE...]');
    process.exit(2);
  }
  const seeds = files.map((file) => {
    let json: unknown;
    try {
      // A leading byte order mark is not JSON, but Windows PowerShell writes one with UTF-8.
      json = JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      throw new Error(`${file}: not valid JSON (${error.message})`);
    }
    const result = SeedFile.safeParse(json);
    if (!result.success) throw new Error(`${file}: ${describeZodError(result.error, 'seed file')}`);
    return result.data;
  });
  useRunningStorage();
  process.env.AUTH_MODE ??= 'dev';
  const { loadSeed } = await import('../shared/engine/seed');
  for (const [i, seed] of seeds.entries()) {
    const r = await loadSeed(seed);
    console.log(
      `${files[i]}: tenant ${r.tenantId} (${seed.tenant.displayName}): ${r.users} users, ${r.roleAssignments} role assignments, ` +
        `sign-ins ${r.signIns.accepted} new/${r.signIns.duplicates} known, detections ${r.riskDetections.accepted} new/${r.riskDetections.duplicates} known, ` +
        `remediations ${r.remediations.accepted} new/${r.remediations.duplicates} known`,
    );
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});

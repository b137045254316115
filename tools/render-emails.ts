/**
 * Renders sample emails to look at: `npx tsx tools/render-emails.ts [outDir]` (`--help` for usage).
 *
 * Writes a "users at risk detected" alert (hostile names, a list longer than the email
 * shows), a weekly digest and a quiet-week digest as .html and .txt under `outDir`
 * (default `outbox/render`, git-ignored). If Chromium is installed it also screenshots
 * each at desktop (1280 px) and phone (375 px) width, so layout changes can be checked
 * by eye before they reach an administrator's inbox.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { renderUsersAtRiskEmail, type AlertUser } from '../shared/email/alert-email';
import { renderWeeklyDigestEmail } from '../shared/email/digest-email';
import type { RenderedEmail } from '../shared/email/rendered-email';

const CHROMIUM = '/usr/bin/chromium';
const REPORT_BASE = 'https://entra.microsoft.com/#view/Microsoft_AAD_IAM/IdentityProtectionMenuBlade';
// Tall enough for the longest sample; the page background fills what is left.
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 4600 },
  { name: 'phone', width: 375, height: 6400 },
] as const;

const run = promisify(execFile);

const USAGE = `Usage: npx tsx tools/render-emails.ts [OUT_DIR]

Writes a sample "users at risk detected" alert, a weekly digest and a quiet-week digest as
.html and .txt files to OUT_DIR (default outbox/render) and, with ${CHROMIUM} installed,
screenshots each at 1280 px and 375 px. A folder whose name starts with "-" is given as
./-name.

  -h, --help   this text
`;

class UsageError extends Error {}

/** The output folder named on the command line (none: the default), or 'help'. */
function parseArgs(argv: readonly string[]): { outDir?: string } | 'help' {
  if (argv.some((arg) => arg === '-h' || arg === '--help')) return 'help';
  // An option this tool does not know must not become a folder named after it.
  const option = argv.find((arg) => arg.startsWith('-'));
  if (option !== undefined) throw new UsageError(`unknown option "${option}"`);
  if (argv.length > 1) throw new UsageError(`one output folder at most (got ${argv.length} arguments)`);
  return argv[0] === undefined ? {} : { outDir: argv[0] };
}

function sampleAlert(): RenderedEmail {
  const hostile: AlertUser[] = [
    {
      userId: '5f0c1e2a-0000-4000-8000-000000000001',
      displayName: '<img src=x onerror=alert(1)>',
      userPrincipalName: 'mallory"><script>alert(1)</script>@contoso.example',
      riskLevel: 'high',
    },
    {
      userId: '5f0c1e2a-0000-4000-8000-000000000002',
      displayName: 'Adele Vance & "Ops" <team>',
      userPrincipalName: 'adele.vance.with.a.very.long.user.principal.name@contoso.onmicrosoft.example',
      riskLevel: 'medium',
    },
    // A user the directory does not know, who never signed in: named by object id.
    {
      userId: '5f0c1e2a-0000-4000-8000-000000000003',
      displayName: '',
      userPrincipalName: '',
      riskLevel: 'high',
    },
  ];
  const many: AlertUser[] = Array.from({ length: 70 }, (_, i) => ({
    userId: `5f0c1e2a-0000-4000-8000-${String(i + 100).padStart(12, '0')}`,
    displayName: `Test User ${String(i + 1).padStart(2, '0')}`,
    userPrincipalName: `test.user${i + 1}@contoso.example`,
    riskLevel: (['low', 'medium', 'high'] as const)[i % 3] ?? 'low',
  }));
  return renderUsersAtRiskEmail({
    tenantDisplayName: 'Contoso <Ltd> & "Partners"',
    users: [...hostile, ...many],
    reportBaseUrl: REPORT_BASE,
    windowEnd: '2024-05-01T10:00:05.000Z',
  });
}

function sampleDigest(quiet: boolean): RenderedEmail {
  return renderWeeklyDigestEmail({
    tenantDisplayName: 'Contoso <Ltd> & "Partners"',
    weekStart: '2024-04-29T09:00:00.000Z',
    weekEnd: '2024-05-06T09:00:00.000Z',
    newRiskyUsers: quiet
      ? { count: 0, first: [] }
      : {
          count: 14,
          first: [
            {
              userId: '5f0c1e2a-0000-4000-8000-000000000001',
              displayName: '<img src=x onerror=alert(1)>',
              userPrincipalName: 'mallory@contoso.example',
              riskLevel: 'high',
            },
            {
              userId: '5f0c1e2a-0000-4000-8000-000000000004',
              displayName: 'Megan Bowen',
              userPrincipalName: 'megan.bowen@contoso.example',
              riskLevel: 'medium',
            },
            {
              userId: '5f0c1e2a-0000-4000-8000-000000000005',
              displayName: 'Lee Gu',
              userPrincipalName: 'lee.gu@contoso.example',
              riskLevel: 'low',
            },
            {
              userId: '5f0c1e2a-0000-4000-8000-000000000006',
              displayName: 'Alex Wilber',
              userPrincipalName: 'alex.wilber@contoso.example',
              riskLevel: 'none',
            },
          ],
        },
    newRiskySignIns: quiet
      ? { count: 0, first: [] }
      : {
          count: 3,
          first: [
            {
              userDisplayName: 'Megan Bowen',
              userPrincipalName: 'megan.bowen@contoso.example',
              createdDateTime: '2024-05-02T07:15:00Z',
              riskLevelDuringSignIn: 'high',
              ipAddress: '203.0.113.7',
              location: { city: 'Lisbon', countryOrRegion: 'PT' },
            },
            {
              userDisplayName: 'Lee Gu',
              userPrincipalName: 'lee.gu@contoso.example',
              createdDateTime: '2024-05-03T22:41:00Z',
              riskLevelDuringSignIn: 'medium',
              ipAddress: '2001:db8:85a3::8a2e:370:7334',
              location: { city: 'Sao Paulo', state: 'SP', countryOrRegion: 'BR' },
            },
            {
              userDisplayName: 'Alex Wilber',
              userPrincipalName: 'alex.wilber@contoso.example',
              createdDateTime: '2024-05-05T03:02:00Z',
              riskLevelDuringSignIn: 'low',
            },
          ],
        },
    reportBaseUrl: REPORT_BASE,
  });
}

async function screenshot(htmlFile: string, pngFile: string, width: number, height: number): Promise<void> {
  // A fresh profile each time: no state leaks between shots, and no prompt on first run.
  const profile = await fs.mkdtemp(path.join(os.tmpdir(), 'render-emails-'));
  try {
    await run(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        `--user-data-dir=${profile}`,
        `--screenshot=${pngFile}`,
        `--window-size=${width},${height}`,
        pathToFileURL(htmlFile).href,
      ],
      { timeout: 60_000 },
    );
  } finally {
    await fs.rm(profile, { recursive: true, force: true });
  }
}

async function main(argv: readonly string[]): Promise<void> {
  let parsed: { outDir?: string } | 'help';
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`render-emails: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const outDir = path.resolve(parsed.outDir ?? path.join('outbox', 'render'));
  await fs.mkdir(outDir, { recursive: true });
  const samples: Record<string, RenderedEmail> = {
    alert: sampleAlert(),
    digest: sampleDigest(false),
    'digest-quiet': sampleDigest(true),
  };

  const htmlFiles: Array<[string, string]> = [];
  for (const [name, email] of Object.entries(samples)) {
    const htmlFile = path.join(outDir, `${name}.html`);
    await fs.writeFile(htmlFile, email.html, 'utf8');
    await fs.writeFile(
      path.join(outDir, `${name}.txt`),
      `Subject: ${email.subject}\n\n${email.text}`,
      'utf8',
    );
    htmlFiles.push([name, htmlFile]);
    console.log(`wrote ${htmlFile}`);
  }

  if (!existsSync(CHROMIUM)) {
    console.log(`No ${CHROMIUM}: skipped the screenshots. To take them: apt-get install -y chromium`);
    return;
  }
  for (const [name, htmlFile] of htmlFiles) {
    for (const viewport of VIEWPORTS) {
      const png = path.join(outDir, `${name}-${viewport.width}.png`);
      await screenshot(htmlFile, png, viewport.width, viewport.height);
      console.log(`wrote ${png} (${viewport.name})`);
    }
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * `npm run -s token -- --tenant TID [--user OID] [--wids ROLE,...] [--roles APPROLE,...] [--minutes N]`
 *
 * Mints one dev access token (AUTH_MODE=dev) and prints it as the only line on stdout, so
 * `TOKEN=$(npm run -s token -- ...)` works. Problems go to stderr with exit code 2.
 */
import { DirectoryRole, isGuid, mintDevToken } from '../shared/auth';
import { devTokenSettings } from './dev-token-settings';

const USAGE = `Usage: npm run -s token -- --tenant TID [options]

Prints one dev access token for AUTH_MODE=dev (and nothing else on stdout).

  --tenant TID          tenant id (GUID), required
  --user OID            user object id (GUID): a delegated token (scp, oid, wids)
  --wids ROLE,...       directory roles: template ids (GUIDs) or the names
                        ${Object.keys(DirectoryRole).join(', ')}
  --roles APPROLE,...   app roles, e.g. IdentityRiskEvent.ReadWrite.All; without --user
                        the token is app-only (idtyp app, no scp)
  --minutes N           lifetime, 1-1440 minutes (default 60)
  --audience AUD        aud claim (default: the first value of AUTH_AUDIENCE, else
                        api://riskloop)
  --key-file PATH       dev signing key (default: DEV_SIGNING_KEY_FILE, else
                        .riskloop/dev-signing-key.json); created on first use
  -h, --help            this text

AUTH_AUDIENCE and DEV_SIGNING_KEY_FILE are the service's: from the environment, else
those the running \`npm start\` recorded in .riskloop/runtime.json, else those of
local.settings.json (which \`npm start\` applies).

Example: npm run -s token -- --tenant 11111111-1111-1111-1111-111111111111 \\
           --user 22222222-2222-2222-2222-222222222222 --wids SecurityOperator
`;

class UsageError extends Error {}

export interface TokenArgs {
  tenantId: string;
  objectId?: string;
  wids: string[];
  roles: string[];
  minutes: number;
  audience?: string;
  keyFile?: string;
}

const FLAGS = ['--tenant', '--user', '--wids', '--roles', '--minutes', '--audience', '--key-file'] as const;
type Flag = (typeof FLAGS)[number];

const roleIdByName = new Map(Object.entries(DirectoryRole).map(([name, id]) => [name.toLowerCase(), id]));
const APP_ROLE = /^[A-Za-z][A-Za-z0-9._-]*$/;

function list(value: string | undefined): string[] {
  if (value === undefined) return [];
  const items = value.split(',').map((v) => v.trim());
  if (items.some((v) => v === '')) throw new UsageError('empty item in a comma-separated list');
  return items;
}

function wid(value: string): string {
  if (isGuid(value)) return value.toLowerCase();
  const id = roleIdByName.get(value.toLowerCase());
  if (id === undefined) {
    throw new UsageError(
      `--wids: "${value}" is neither a GUID nor one of ${Object.keys(DirectoryRole).join(', ')}`,
    );
  }
  return id;
}

/** Parses the command line (without `node` and the script); `'help'` when help was asked. */
export function parseTokenArgs(argv: readonly string[]): TokenArgs | 'help' {
  const values = new Map<Flag, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-h' || arg === '--help') return 'help';
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!(FLAGS as readonly string[]).includes(name)) throw new UsageError(`unknown argument "${arg}"`);
    const flag = name as Flag;
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
    if (values.has(flag)) throw new UsageError(`${flag} given twice`);
    values.set(flag, value);
  }

  const tenantId = values.get('--tenant');
  if (tenantId === undefined) throw new UsageError('--tenant is required');
  if (!isGuid(tenantId)) throw new UsageError('--tenant must be a GUID');
  const objectId = values.get('--user');
  if (objectId !== undefined && !isGuid(objectId)) throw new UsageError('--user must be a GUID');

  const roles = list(values.get('--roles'));
  const badRole = roles.find((r) => !APP_ROLE.test(r));
  if (badRole !== undefined) throw new UsageError(`--roles: "${badRole}" is not an app role name`);
  if (objectId === undefined && roles.length === 0) {
    throw new UsageError('give --user OID for a delegated token, or --roles for an app-only token');
  }

  const minutesText = values.get('--minutes') ?? '60';
  const minutes = Number(minutesText);
  if (!/^\d+$/.test(minutesText) || minutes < 1 || minutes > 1440) {
    throw new UsageError('--minutes must be a whole number from 1 to 1440');
  }

  return {
    tenantId: tenantId.toLowerCase(),
    ...(objectId !== undefined && { objectId: objectId.toLowerCase() }),
    wids: list(values.get('--wids')).map(wid),
    roles,
    minutes,
    ...(values.has('--audience') && { audience: values.get('--audience') }),
    ...(values.has('--key-file') && { keyFile: values.get('--key-file') }),
  };
}

async function main(argv: readonly string[]): Promise<number> {
  let args: TokenArgs | 'help';
  try {
    args = parseTokenArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`token: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }

  // The key and audience of the service the token is for (flags win).
  const service = devTokenSettings();
  const token = await mintDevToken({
    keyFile: args.keyFile ?? service.keyFile,
    audience: args.audience ?? service.audience,
    tenantId: args.tenantId,
    ...(args.objectId !== undefined && { objectId: args.objectId }),
    wids: args.wids,
    roles: args.roles,
    minutes: args.minutes,
  });
  process.stdout.write(`${token}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // Messages only: a stack or a cause could quote key material.
      process.stderr.write(`token: ${error instanceof Error ? error.message : 'failed'}\n`);
      process.exitCode = 2;
    },
  );
}

import { z } from 'zod';
import { parseCron } from './domain/ncrontab';

/**
 * The only reader of `process.env`. Every setting the app understands is declared here,
 * validated once, and a missing or malformed one fails fast with its name.
 */
const settingsSchema = z
  .object({
    AzureWebJobsStorage: z.string().min(1).optional(),
    AzureWebJobsStorage__accountName: z.string().min(1).optional(),
    AzureWebJobsStorage__tableServiceUri: z.url({ protocol: /^https$/ }).optional(),
    AzureWebJobsStorage__queueServiceUri: z.url({ protocol: /^https$/ }).optional(),
    AzureWebJobsStorage__credential: z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.literal('managedidentity'))
      .optional(),
    AzureWebJobsStorage__clientId: z.string().min(1).optional(),
    AUTH_MODE: z.enum(['dev', 'entra']).default('entra'),
    AUTH_AUDIENCE: z
      .string()
      .refine((v) => v.split(',').some((a) => a.trim() !== ''), 'names no audience')
      .default('api://riskloop'),
    // The issuer and signing keys come from here: never over plain http.
    AUTH_AUTHORITY_HOST: z.url({ protocol: /^https$/ }).default('https://login.microsoftonline.com'),
    DEV_SIGNING_KEY_FILE: z.string().min(1).default('.riskloop/dev-signing-key.json'),
    SENDGRID_API_KEY: z
      .string()
      // A key file stored with `az keyvault secret set --file` keeps its final newline, and
      // a newline in the Authorization header fails every send; no SendGrid key has whitespace.
      .trim()
      .min(1)
      // An unresolved Key Vault reference arrives as its own text: refuse it rather than send it as a key.
      .refine(
        (v) => !v.startsWith('@Microsoft.KeyVault('),
        "is an unresolved Key Vault reference (check the app identity's access to the vault)",
      )
      .optional(),
    // It receives the API key as a bearer header: https, or http only to this machine (a
    // capture server in tests), never in clear over a network.
    SENDGRID_BASE_URL: z
      .url()
      .refine((v) => {
        // Zod runs this refinement even when `.url()` has refused the value.
        const url = URL.canParse(v) ? new URL(v) : undefined;
        return (
          url !== undefined &&
          (url.protocol === 'https:' ||
            (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)))
        );
      }, 'must be an https URL (http only for 127.0.0.1, localhost or [::1]): it receives the API key')
      .optional(),
    // An address, or `Name <address>` (SendGrid takes both); anything else fails every send.
    EMAIL_FROM: z
      .string()
      .refine(
        (v) => z.email().safeParse(/^[^<>]*<([^<>]+)>$/.exec(v.trim())?.[1] ?? v.trim()).success,
        'is not an email address (or "Name <address>")',
      )
      .default('riskloop@example.com'),
    EMAIL_OUTBOX_DIR: z.string().min(1).default('outbox'),
    REPORT_BASE_URL: z
      .url({ protocol: /^https?$/ })
      .default('https://entra.microsoft.com/#view/Microsoft_AAD_IAM/IdentityProtectionMenuBlade'),
    // Checked as the timer reads it: 6 fields, or 5 without seconds (as Azure's host accepts).
    WEEKLY_DIGEST_SCHEDULE: z
      .string()
      .superRefine((v, ctx) => {
        try {
          parseCron(v);
        } catch (error) {
          ctx.addIssue({
            code: 'custom',
            message: `is not an NCRONTAB schedule: ${error instanceof Error ? error.message : String(error)}`,
          });
        }
      })
      .default('0 0 9 * * 1'),
    ALERT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(60).default(5),
    FEEDBACK_RECHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    // Set by App Service / Functions in Azure; used only to refuse dev auth there.
    WEBSITE_INSTANCE_ID: z.string().optional(),
    WEBSITE_SITE_NAME: z.string().optional(),
  })
  .superRefine(checkStorageSettings)
  .superRefine((s, ctx) => {
    if (s.AUTH_MODE !== 'dev') return;
    const azure = (['WEBSITE_INSTANCE_ID', 'WEBSITE_SITE_NAME'] as const).find((key) => s[key]);
    if (azure === undefined) return;
    ctx.addIssue({
      code: 'custom',
      message: `AUTH_MODE=dev refuses to run inside Azure (${azure} is set); use AUTH_MODE=entra`,
      path: ['AUTH_MODE'],
    });
  });

/**
 * Storage is reached either with a connection string (`AzureWebJobsStorage`) or, the
 * Functions way, with an identity (`AzureWebJobsStorage__*`): never both, so a stray
 * connection string can never silently win over the identity an operator configured.
 */
function checkStorageSettings(
  s: {
    AzureWebJobsStorage?: string | undefined;
    AzureWebJobsStorage__accountName?: string | undefined;
    AzureWebJobsStorage__tableServiceUri?: string | undefined;
    AzureWebJobsStorage__queueServiceUri?: string | undefined;
    AzureWebJobsStorage__credential?: string | undefined;
    AzureWebJobsStorage__clientId?: string | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  const identityKeys = (
    [
      'AzureWebJobsStorage__accountName',
      'AzureWebJobsStorage__tableServiceUri',
      'AzureWebJobsStorage__queueServiceUri',
      'AzureWebJobsStorage__credential',
      'AzureWebJobsStorage__clientId',
    ] as const
  ).filter((key) => s[key] !== undefined);
  const problem = (message: string, path: string): void => {
    ctx.addIssue({ code: 'custom', message, path: [path] });
  };
  if (s.AzureWebJobsStorage !== undefined) {
    if (identityKeys.length > 0) {
      problem(
        `is a connection string, but ${identityKeys.join(', ')} configure identity-based storage; set one or the other`,
        'AzureWebJobsStorage',
      );
    }
    return;
  }
  if (identityKeys.length === 0) {
    problem(
      'must be set: a connection string, or identity-based AzureWebJobsStorage__accountName (or __tableServiceUri and __queueServiceUri)',
      'AzureWebJobsStorage',
    );
    return;
  }
  if (s.AzureWebJobsStorage__accountName === undefined) {
    for (const key of [
      'AzureWebJobsStorage__tableServiceUri',
      'AzureWebJobsStorage__queueServiceUri',
    ] as const) {
      if (s[key] === undefined) problem('must be set when AzureWebJobsStorage__accountName is not', key);
    }
  }
  if (s.AzureWebJobsStorage__clientId !== undefined && s.AzureWebJobsStorage__credential === undefined) {
    problem(
      'is only used with AzureWebJobsStorage__credential=managedidentity (a user-assigned identity)',
      'AzureWebJobsStorage__clientId',
    );
  }
}

export type Settings = z.infer<typeof settingsSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates an environment; exported for tests, the app uses {@link getConfig}. */
export function parseSettings(env: Record<string, string | undefined>): Settings {
  // Empty strings count as unset: local.settings.json placeholders are often "".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = settingsSchema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

let cached: Settings | undefined;

/** The app's settings, read from the environment on first use. */
export function getConfig(): Settings {
  cached ??= parseSettings(process.env);
  return cached;
}

/** Test hook: forget the cached settings so the next {@link getConfig} re-reads them. */
export function resetConfigForTests(): void {
  cached = undefined;
}

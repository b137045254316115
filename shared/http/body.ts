import type { HttpRequest } from '@azure/functions';
import type { z } from 'zod';
import { badRequest } from '../errors';

/** Larger bodies are refused before parsing (R-X1). 1,000 detections fit comfortably. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Names the first problem a zod parse found, with its field path ("value[3].riskLevel: …"). */
export function describeZodError(error: z.ZodError, root = 'body'): string {
  const issue = error.issues[0];
  if (!issue) return `Invalid ${root}.`;
  const path = issue.path.reduce<string>(
    (text, part) =>
      typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part),
    '',
  );
  const more =
    error.issues.length > 1
      ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})`
      : '';
  return `Invalid ${root}: ${path || root}: ${issue.message}${more}`;
}

/** Reads, size-checks, JSON-parses and validates a request body. Every failure is a 400 naming the problem. */
export async function readJsonBody<T extends z.ZodType>(
  request: HttpRequest,
  schema: T,
): Promise<z.infer<T>> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(contentType.trim())) {
    throw badRequest("Content-Type must be 'application/json'.");
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw badRequest(`Request body is larger than ${MAX_BODY_BYTES} bytes.`);
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > MAX_BODY_BYTES) throw badRequest(`Request body is larger than ${MAX_BODY_BYTES} bytes.`);
  let parsed: unknown;
  try {
    // A leading byte order mark is not JSON, but clients (PowerShell among them) send one.
    parsed = JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    throw badRequest('Request body is not valid JSON.');
  }
  const result = schema.safeParse(parsed);
  if (!result.success) throw badRequest(describeZodError(result.error));
  return result.data;
}

/**
 * The one place email content is made safe. Every value that came from input goes
 * through {@link escapeHtml} before it reaches an HTML part, and every link through
 * {@link safeHttpUrl}, so a hostile display name or tenant name can neither inject
 * markup nor turn a link into `javascript:`.
 */

const htmlEntities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  // A backtick can end an unquoted attribute in old Internet Explorer-based clients.
  '`': '&#96;',
};

/**
 * Escapes text for HTML element content and for quoted attribute values alike, so one
 * function is enough and a caller cannot pick the wrong one.
 */
export function escapeHtml(value: string | number | boolean | null | undefined): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => htmlEntities[c] ?? c);
}

/**
 * Returns `url` if it is an absolute http(s) URL, otherwise `fallback`. Anything else
 * (`javascript:`, `data:`, relative paths, garbage) is refused rather than repaired.
 * The result still needs {@link escapeHtml} when it goes into an attribute.
 */
export function safeHttpUrl(url: string, fallback: string): string {
  try {
    const parsed = new URL(url.trim());
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') return parsed.href;
  } catch {
    // Not a URL at all: fall through to the fallback.
  }
  return fallback;
}

/**
 * One line of plain text: control characters (CR/LF included) become spaces, runs of
 * whitespace collapse, and very long values are cut. Used for subjects, where a newline
 * would break the header, and for the text part, where it could fake extra lines.
 * Direction controls (embeddings, overrides, isolates, marks) and invisible spaces are
 * removed: a display name ending in U+202E would show the rest of its line (the user's
 * address, their risk level) reversed. A value left with nothing visible is empty.
 */
export function singleLine(value: string | null | undefined, maxLength = 200): string {
  const flat = (value ?? '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (/^[\u200c\u200d]*$/.test(flat)) return '';
  return flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
}

/** HTML that is already safe: built by {@link html} or a constant written in this module. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/**
 * Marks a constant (a style, a fixed snippet) as HTML. Never pass it input: that is what
 * {@link html} is for.
 */
export function trustedHtml(constant: string): SafeHtml {
  return new SafeHtml(constant);
}

function renderValue(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(renderValue).join('');
  if (value === undefined || value === null || value === false) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return escapeHtml(value);
  // An object would print as "[object Object]": a template bug, not something to email.
  throw new TypeError(`html: cannot interpolate a ${typeof value}`);
}

/**
 * Tagged template that escapes every interpolated value unless it is already
 * {@link SafeHtml} (arrays are joined), so templates are safe by default and an
 * unescaped value has to be asked for by name.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += renderValue(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

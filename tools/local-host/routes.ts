/**
 * ASP.NET Core-style route templates, which is what the Functions host uses for HTTP triggers:
 * literal segments (case-insensitive), `{param}`, `{param?}`, `{param=default}`,
 * `{param:constraint}`, catch-all `{*rest}`, and complex segments such as `{name}.{ext}`.
 */

type Constraint = (value: string) => boolean;

interface ParamPart {
  readonly name: string;
  readonly optional: boolean;
  readonly defaultValue: string | undefined;
  readonly constraints: readonly Constraint[];
  readonly catchAll: boolean;
}

type Segment =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'param'; readonly param: ParamPart }
  | { readonly kind: 'complex'; readonly regex: RegExp; readonly params: readonly ParamPart[] };

export interface CompiledTemplate {
  readonly template: string;
  readonly segments: readonly Segment[];
  /** ASP.NET inbound precedence, one digit per segment; lower sorts first. */
  readonly precedence: readonly number[];
  /** The template with parameter names erased, to detect two routes that always collide. */
  readonly shape: string;
}

const GUID = /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[)}]?$/i;

function numberArgs(args: string, count: number, name: string): number[] {
  const values = args.split(',').map((a) => Number(a.trim()));
  if (values.length !== count || values.some((v) => !Number.isFinite(v))) {
    throw new Error(`Route constraint "${name}(${args})" expects ${count} number(s)`);
  }
  return values;
}

/**
 * Builds one inline constraint. Unknown constraint names are accepted without checking (and
 * reported through `onUnknown`), so a route never silently disappears because of them.
 */
function buildConstraint(spec: string, onUnknown: (spec: string) => void): Constraint {
  const match = /^([a-zA-Z]+)(?:\((.*)\))?$/s.exec(spec);
  const name = match?.[1]?.toLowerCase() ?? '';
  const args = match?.[2] ?? '';
  const isNumber = (v: string): boolean => /^-?\d+(\.\d+)?$/.test(v);
  switch (name) {
    case 'int':
    case 'long':
      return (v) => /^-?\d+$/.test(v);
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'guid':
      return (v) => GUID.test(v);
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'decimal':
    case 'double':
    case 'float':
      return isNumber;
    case 'datetime':
      return (v) => !Number.isNaN(Date.parse(v));
    case 'min': {
      const [min] = numberArgs(args, 1, name);
      return (v) => isNumber(v) && Number(v) >= min!;
    }
    case 'max': {
      const [max] = numberArgs(args, 1, name);
      return (v) => isNumber(v) && Number(v) <= max!;
    }
    case 'range': {
      const [min, max] = numberArgs(args, 2, name);
      return (v) => isNumber(v) && Number(v) >= min! && Number(v) <= max!;
    }
    case 'minlength': {
      const [min] = numberArgs(args, 1, name);
      return (v) => v.length >= min!;
    }
    case 'maxlength': {
      const [max] = numberArgs(args, 1, name);
      return (v) => v.length <= max!;
    }
    case 'length': {
      const bounds = args.includes(',') ? numberArgs(args, 2, name) : numberArgs(args, 1, name);
      const [min, max = min] = bounds;
      return (v) => v.length >= min! && v.length <= max!;
    }
    case 'regex': {
      // ASP.NET regex constraints are case-insensitive and matched against the whole value.
      const regex = new RegExp(args, 'i');
      return (v) => regex.test(v);
    }
    default:
      onUnknown(spec);
      return () => true;
  }
}

/** Splits `a:b(c:d)=e` at top-level `sep` characters, ignoring those inside parentheses. */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (ch === sep && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function parseParam(body: string, onUnknown: (spec: string) => void): ParamPart {
  let text = body.trim();
  const catchAll = text.startsWith('*');
  text = text.replace(/^\*{1,2}/, '');
  const [withConstraints = '', ...defaults] = splitTopLevel(text, '=');
  let spec = withConstraints;
  let defaultValue = defaults.length > 0 ? defaults.join('=') : undefined;
  let optional = false;
  if (defaultValue?.endsWith('?')) {
    throw new Error(`Route parameter "${body}" cannot be both optional and have a default`);
  }
  if (spec.endsWith('?')) {
    optional = true;
    spec = spec.slice(0, -1);
  }
  const [name = '', ...constraintSpecs] = splitTopLevel(spec, ':');
  if (!/^[A-Za-z_][\w]*$/.test(name)) throw new Error(`Invalid route parameter name in "{${body}}"`);
  if (defaultValue === '') defaultValue = undefined;
  return {
    name,
    optional,
    defaultValue,
    catchAll,
    constraints: constraintSpecs.map((c) => buildConstraint(c, onUnknown)),
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function parseSegment(raw: string, onUnknown: (spec: string) => void): Segment {
  const pieces = raw.split(/(\{[^{}]*\})/).filter((p) => p !== '');
  if (pieces.length === 1 && pieces[0]!.startsWith('{')) {
    return { kind: 'param', param: parseParam(pieces[0]!.slice(1, -1), onUnknown) };
  }
  if (!raw.includes('{')) return { kind: 'literal', text: raw };
  const params: ParamPart[] = [];
  let source = '';
  for (const piece of pieces) {
    if (piece.startsWith('{')) {
      params.push(parseParam(piece.slice(1, -1), onUnknown));
      source += '(.+?)';
    } else {
      source += escapeRegex(piece);
    }
  }
  return { kind: 'complex', regex: new RegExp(`^${source}$`, 'i'), params };
}

function precedenceDigit(segment: Segment): number {
  if (segment.kind === 'literal') return 1;
  if (segment.kind === 'complex') return 2;
  if (segment.param.catchAll) return 5;
  return segment.param.constraints.length > 0 ? 3 : 4;
}

/** Compiles a route template; throws on malformed templates so the host fails at startup. */
export function compileTemplate(
  template: string,
  onUnknown: (spec: string) => void = () => {},
): CompiledTemplate {
  const trimmed = template.replace(/^[~/]+|\/+$/g, '');
  const segments = trimmed === '' ? [] : trimmed.split('/').map((s) => parseSegment(s, onUnknown));
  segments.forEach((segment, i) => {
    if (segment.kind === 'param' && segment.param.catchAll && i !== segments.length - 1) {
      throw new Error(`Route "${template}": a catch-all parameter must be the last segment`);
    }
  });
  const shape = segments
    .map((s) => (s.kind === 'literal' ? s.text.toLowerCase() : s.kind === 'param' ? '{}' : s.regex.source))
    .join('/');
  return { template, segments, precedence: segments.map(precedenceDigit), shape };
}

export function comparePrecedence(a: CompiledTemplate, b: CompiledTemplate): number {
  const length = Math.min(a.precedence.length, b.precedence.length);
  for (let i = 0; i < length; i++) {
    const diff = a.precedence[i]! - b.precedence[i]!;
    if (diff !== 0) return diff;
  }
  if (a.precedence.length !== b.precedence.length) return a.precedence.length - b.precedence.length;
  return a.template.toLowerCase() < b.template.toLowerCase() ? -1 : a.template === b.template ? 0 : 1;
}

function accepts(param: ParamPart, value: string): boolean {
  return param.constraints.every((check) => check(value));
}

/**
 * Matches decoded path segments (without the route prefix) against a template; the route
 * values on success, `undefined` otherwise.
 */
export function matchTemplate(
  compiled: CompiledTemplate,
  pathSegments: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const { segments } = compiled;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const part = pathSegments[i];
    if (segment.kind === 'param' && segment.param.catchAll) {
      const rest = pathSegments.slice(i).join('/');
      if (rest === '' && segment.param.defaultValue !== undefined)
        params[segment.param.name] = segment.param.defaultValue;
      else if (rest !== '') {
        if (!accepts(segment.param, rest)) return undefined;
        params[segment.param.name] = rest;
      }
      return params;
    }
    if (part === undefined) {
      if (segment.kind !== 'param' || !(segment.param.optional || segment.param.defaultValue !== undefined)) {
        return undefined;
      }
      if (segment.param.defaultValue !== undefined) params[segment.param.name] = segment.param.defaultValue;
      continue;
    }
    if (segment.kind === 'literal') {
      if (part.toLowerCase() !== segment.text.toLowerCase()) return undefined;
    } else if (segment.kind === 'param') {
      if (part === '' || !accepts(segment.param, part)) return undefined;
      params[segment.param.name] = part;
    } else {
      const match = segment.regex.exec(part);
      if (!match) return undefined;
      for (let k = 0; k < segment.params.length; k++) {
        const param = segment.params[k]!;
        const value = match[k + 1] ?? '';
        if (!accepts(param, value)) return undefined;
        params[param.name] = value;
      }
    }
  }
  return pathSegments.length > segments.length ? undefined : params;
}

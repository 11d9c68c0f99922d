/**
 * fields: how one environment variable is read. A section of the configuration is a spec that
 * names each of its fields' variable and schema once (`maxDepth: ['GATEWAY_MAX_DEPTH', intIn(1,
 * 100).default(8)]`); {@link readSection} parses it into the typed section and reports every
 * variable that does not parse, by name, never echoing a value.
 */
import { z } from 'zod';

export type Env = Record<string, string | undefined>;

export const intIn = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: `must be a whole number from ${min} to ${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be a whole number from ${min} to ${max}` });

export const oneOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .trim()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(values, { message: `must be one of: ${values.join(', ')}` }));

/** `true` or `false`. */
export const flag = (fallback: boolean) =>
  oneOf(['true', 'false'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true');

/** `true` or `false`, or unset (the default then depends on something else). */
export const optionalFlag = () =>
  oneOf(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true'));

export const optionalText = z.string().trim().min(1).optional();

/** A section's fields: each names its variable and its schema, once. */
export type Spec = Record<string, readonly [variable: string, schema: z.ZodType]>;
export type SectionOf<S extends Spec> = { [K in keyof S]: z.output<S[K][1]> };

/** Variables whose values are secret: their problems are reported without any hint of the value. */
const SECRET_VARIABLES = new Set([
  'NCP_SECRET_KEY',
  'NCP_ACCESS_KEY',
  'OS_PASSWORD',
  'OS_APPLICATION_CREDENTIAL_SECRET',
]);

/**
 * Parses one section from `env` (where an empty value means unset). Every variable that does not
 * parse adds a problem naming it; the section is undefined when any did not.
 */
export function readSection<S extends Spec>(spec: S, env: Env, problems: string[]): SectionOf<S> | undefined {
  const section: Record<string, unknown> = {};
  let ok = true;
  for (const [field, [variable, schema]] of Object.entries(spec)) {
    const parsed = schema.safeParse(env[variable]);
    if (parsed.success) {
      section[field] = parsed.data;
      continue;
    }
    ok = false;
    const message = parsed.error.issues[0]?.message ?? 'is not valid';
    problems.push(SECRET_VARIABLES.has(variable) ? `${variable}: must not be empty` : `${variable}: ${message}`);
  }
  return ok ? (section as SectionOf<S>) : undefined;
}

/** An http(s) URL without credentials, query or fragment; its trailing slashes removed. */
export function checkBaseUrl(raw: string): string | { error: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: 'must be an absolute http(s) URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: 'must use http or https' };
  if (url.username || url.password) return { error: 'must not contain credentials' };
  if (url.search || url.hash) return { error: 'must not contain a query string or fragment' };
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Loopback host names and addresses: the only places anonymous access is allowed by default. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** Makes one field of a credential object non-enumerable: no spread, JSON or log of it carries the secret. */
export function hideField<T extends object>(value: T, field: keyof T & string): T {
  const out = { ...value };
  const secret = out[field];
  delete out[field];
  Object.defineProperty(out, field, { value: secret, enumerable: false });
  return out;
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

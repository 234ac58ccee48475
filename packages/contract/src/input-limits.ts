/**
 * Limits every request to /api/v1 is held to before any route looks at it (OWASP API4), on top of
 * the per-field limits of each schema. They bound the free-form JSON (`metadata`, `changes`) that
 * no schema describes, and refuse text Postgres cannot store: NUL (U+0000) and unpaired UTF-16
 * surrogates, which are valid in JSON text but not in a `text` or `jsonb` value.
 */
export const INPUT_LIMITS = {
  /** Containers from the body itself (level 1) down to the innermost object or array. */
  jsonDepthMax: 32,
  /** Characters in any string of a body or a query parameter (fields with a lower limit of their own keep it). */
  jsonStringMax: 20_000,
  /**
   * Characters in a body field a route names as long text (`longText` in its route): a whole policy
   * set of up to a thousand policies is one string. The body limit still bounds the request.
   */
  longTextMax: 200_000,
  /** Items in any array of a body. */
  jsonArrayMax: 1_000,
  /** Keys of any object of a body. */
  jsonKeysMax: 1_000,
} as const;

export const INPUT_LIMITS_DESCRIPTION =
  `Every request body and query string is checked before routing; each of these is refused with 400 \`VALIDATION_ERROR\`: ` +
  `JSON nested deeper than ${INPUT_LIMITS.jsonDepthMax} levels (the body is level 1); ` +
  `a string (value or key) longer than ${INPUT_LIMITS.jsonStringMax} characters (${INPUT_LIMITS.longTextMax} in the few fields an operation names as long text, such as a policy set's \`source\`), ` +
  `or containing NUL (U+0000) or an unpaired UTF-16 surrogate; ` +
  `an array of more than ${INPUT_LIMITS.jsonArrayMax} items; an object of more than ${INPUT_LIMITS.jsonKeysMax} keys; ` +
  `malformed percent-encoding in the path. Fields state lower limits of their own in their schemas.`;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be accepted, or undefined. */
function stringProblem(s: string, max: number = INPUT_LIMITS.jsonStringMax): string | undefined {
  if (s.length > max) return `a string is longer than ${max} characters`;
  if (s.includes('\u0000')) return 'text fields cannot contain NUL characters';
  if (LONE_SURROGATE.test(s)) return 'text fields cannot contain unpaired UTF-16 surrogates';
  return undefined;
}

export interface InputProblem {
  message: string;
  /** Where the offending value sits, as a dotted path ('' for the root). */
  path: string;
}

/**
 * The first value of `input` (a parsed JSON body or a parsed query string) that breaks INPUT_LIMITS.
 * Iterative, so a document nested 100,000 deep is measured without using the call stack.
 */
export function findInputProblem(input: unknown, longText: readonly string[] = []): InputProblem | undefined {
  const stack: [value: unknown, depth: number, path: string][] = [[input, 0, '']];
  while (stack.length) {
    const [value, depth, path] = stack.pop()!;
    if (typeof value === 'string') {
      // `longText` names top-level fields of a body, whose path is their name.
      const message = stringProblem(value, longText.includes(path) ? INPUT_LIMITS.longTextMax : INPUT_LIMITS.jsonStringMax);
      if (message) return { message, path };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth + 1 > INPUT_LIMITS.jsonDepthMax) return { message: `JSON is nested deeper than ${INPUT_LIMITS.jsonDepthMax} levels`, path };
    const at = (key: string) => (path ? `${path}.${key}` : key);
    if (Array.isArray(value)) {
      if (value.length > INPUT_LIMITS.jsonArrayMax) return { message: `an array has more than ${INPUT_LIMITS.jsonArrayMax} items`, path };
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], depth + 1, at(String(i))]);
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > INPUT_LIMITS.jsonKeysMax) return { message: `an object has more than ${INPUT_LIMITS.jsonKeysMax} keys`, path };
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const message = stringProblem(key);
      if (message) return { message: `${message} (in a key)`, path };
      stack.push([(value as Record<string, unknown>)[key], depth + 1, at(key)]);
    }
  }
  return undefined;
}

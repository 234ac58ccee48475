import type { ActionDescriptor, FieldDescriptor } from './fields.ts';

/**
 * A platform-neutral HTTP call. Each platform turns it into its own request (n8n's
 * `httpRequestWithAuthentication`, Zapier's `z.request`, a Make communication) and adds the base
 * URL and the credentials; the trigger layer only says what to call.
 */
export interface RequestDescriptor {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under the base URL, parameters already substituted and encoded. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Statuses that count as success. A 404 on unsubscribe does: the subscription is gone either way. */
  successStatuses: readonly number[];
}

/** Performs a GET descriptor and answers the parsed JSON body; throws on a non-success status. */
export type JsonRequester = (request: RequestDescriptor) => Promise<unknown>;

export const pathOf = (template: string, params: Record<string, string>): string =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });

/** An input value the API would refuse, caught before the call (the platform shows it as bad input). */
export class InputError extends Error {
  constructor(
    readonly field: FieldDescriptor,
    readonly problem: string,
  ) {
    super(`${field.label} ${problem}`);
    this.name = 'InputError';
  }
}

const JSON_TYPES: ReadonlySet<FieldDescriptor['type']> = new Set(['json', 'object', 'list', 'dictionary']);

function jsonOf(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/**
 * One field's input → its wire value, whatever the platform's editor handed over (text for every
 * type in Zapier and Make, typed values in n8n): numbers and booleans from their text, JSON parsed,
 * date-times as ISO 8601, lists from arrays or comma-separated text (joined again when the API takes
 * them so). Empty values are undefined: left out, so the API applies its default or says what is
 * required. Text that cannot be what the field needs (bad JSON, no date) throws an InputError.
 */
export function wireValue(field: FieldDescriptor, raw: unknown): unknown {
  if (isBlank(raw)) return undefined;
  if (JSON_TYPES.has(field.type)) {
    let value = raw;
    if (typeof raw === 'string') {
      const parsed = jsonOf(raw);
      if (!parsed) throw new InputError(field, 'is not valid JSON');
      value = parsed.value;
    }
    if (field.type === 'object' && field.children && value && typeof value === 'object' && !Array.isArray(value)) {
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const child of field.children) {
        const v = wireValue(child, source[child.key]);
        if (v !== undefined) out[child.key] = v;
      }
      return Object.keys(out).length > 0 ? out : undefined;
    }
    if (field.type === 'dictionary' && value && typeof value === 'object' && Object.keys(value).length === 0) return undefined;
    return value;
  }
  switch (field.type) {
    case 'multiselect': {
      const list = (Array.isArray(raw) ? raw : String(raw).split(',')).map((x) => String(x).trim()).filter(Boolean);
      if (list.length === 0) return undefined;
      return field.serialize === 'comma' ? list.join(',') : list;
    }
    case 'datetime': {
      const date = raw instanceof Date ? raw : new Date(String(raw).trim());
      if (Number.isNaN(date.getTime())) throw new InputError(field, 'is not a date and time');
      return date.toISOString();
    }
    case 'integer':
    case 'number': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      // Not a number: sent as given, so the API's validation names the field.
      return Number.isFinite(n) ? n : raw;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const text = String(raw).trim();
      return /^(true|yes|1)$/i.test(text) ? true : /^(false|no|0)$/i.test(text) ? false : raw;
    }
    default:
      return typeof raw === 'string' ? raw : String(raw);
  }
}

/**
 * An action of the contract called with a platform's input (wire names → values): path parameters
 * substituted and encoded, query and body fields each where they belong, empty values left out.
 * A body travels only with POST and PATCH. A missing path parameter throws an InputError.
 */
export function toRequest(action: ActionDescriptor, input: Record<string, unknown>, successStatuses: readonly number[] = [200, 201]): RequestDescriptor {
  const path: Record<string, string> = {};
  const query: Record<string, string> = {};
  const body: Record<string, unknown> = {};
  for (const field of action.fields) {
    const value = wireValue(field, input[field.key]);
    if (value === undefined) {
      if (field.in === 'path') throw new InputError(field, 'is required');
      continue;
    }
    if (field.in === 'path') path[field.key] = String(value).trim();
    else if (field.in === 'query') query[field.key] = Array.isArray(value) ? value.join(',') : String(value);
    else body[field.key] = value;
  }
  return {
    method: action.method,
    path: pathOf(action.path, path),
    ...(Object.keys(query).length > 0 ? { query } : {}),
    ...(action.method === 'POST' || action.method === 'PATCH' ? { body } : {}),
    successStatuses,
  };
}

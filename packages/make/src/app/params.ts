/**
 * Field descriptors from @greenlight/triggers (decided once, from the contract) → Make's parameter
 * and interface format, and the IML that sends each value where the API expects it.
 */
import type { FieldDescriptor, OutputField } from '@greenlight/triggers';

export type MakeParam = Record<string, unknown> & { name: string; type: string };

const titleCase = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Help text without markdown backticks, which Make's form shows literally. */
const help = (s: string) => s.replace(/`/g, '');

/** Help text ended as a sentence, so more can follow it. */
const sentence = (s: string) => (s === '' ? '' : /[.!?]$/.test(s) ? `${s} ` : `${s}. `);

function base(f: FieldDescriptor): { name: string } & Record<string, unknown> {
  return {
    name: f.key,
    label: f.label,
    ...(f.help ? { help: help(f.help) } : {}),
    ...(f.required ? { required: true } : {}),
  };
}

function lengthLimits(f: FieldDescriptor): Record<string, unknown> {
  const v: Record<string, number> = {};
  if (f.minLength !== undefined && f.minLength > 1) v.min = f.minLength;
  if (f.maxLength !== undefined) v.max = f.maxLength;
  return Object.keys(v).length ? { validate: v } : {};
}

/** One contract field → one Make parameter (static or mappable: the format is the same). */
export function toParam(f: FieldDescriptor, overrides: Partial<MakeParam> = {}): MakeParam {
  const b = base(f);
  const withDefault = f.default !== undefined ? { default: f.default } : {};
  let p: MakeParam;
  switch (f.type) {
    case 'string':
    case 'uuid':
      p = { ...b, type: 'text', ...lengthLimits(f) } as MakeParam;
      break;
    case 'text':
      p = { ...b, type: 'text', multiline: true, ...lengthLimits(f) } as MakeParam;
      break;
    case 'url':
      p = { ...b, type: 'url' } as MakeParam;
      break;
    case 'datetime':
      p = { ...b, type: 'date' } as MakeParam;
      break;
    case 'integer': {
      const v: Record<string, number> = {};
      if (f.minimum !== undefined) v.min = f.minimum;
      if (f.maximum !== undefined) v.max = f.maximum;
      p = { ...b, type: 'uinteger', ...withDefault, ...(Object.keys(v).length ? { validate: v } : {}) } as MakeParam;
      break;
    }
    case 'number':
      p = { ...b, type: 'number', ...withDefault } as MakeParam;
      break;
    case 'boolean':
      p = { ...b, type: 'boolean', ...withDefault } as MakeParam;
      break;
    case 'select':
      p = { ...b, type: 'select', options: (f.options ?? []).map((o) => ({ label: o.label, value: o.value })), ...withDefault } as MakeParam;
      break;
    case 'multiselect':
      p = { ...b, type: 'select', multiple: true, options: (f.options ?? []).map((o) => ({ label: o.label, value: o.value })), ...withDefault } as MakeParam;
      break;
    case 'dictionary':
      // Make has no map type: an array of key/value pairs, turned back into an object with toCollection().
      p = {
        ...b,
        type: 'array',
        spec: [
          { name: 'key', label: 'Key', type: 'text', required: true },
          { name: 'value', label: 'Value', type: 'text', required: true },
        ],
      } as MakeParam;
      break;
    case 'json':
      if (Array.isArray(f.example) && f.example.every((x) => typeof x === 'string')) {
        // A list of text (paths): one item per line in Make's form, typed or mapped; an array of text on the wire.
        p = { ...b, type: 'array', spec: { type: 'text', label: 'Path' } } as MakeParam;
        break;
      }
      // Any mapped collection or value from an earlier module. Make's IML cannot parse JSON text:
      // typed in, it would reach the API as text, which refuses it naming the field.
      p = { ...b, help: `${sentence(help(f.help))}Map a collection from an earlier module (JSON › Parse JSON turns JSON text into one).`, type: 'any' } as MakeParam;
      break;
    case 'object':
      p = { ...b, type: 'collection', spec: (f.children ?? []).map((c) => toParam(c)) } as MakeParam;
      break;
    case 'list':
      p = { ...b, type: 'array', spec: (f.children ?? []).map((c) => toParam(c)) } as MakeParam;
      break;
  }
  return { ...p, ...overrides };
}

/** The IML that sends a parameter's value; empty optional values evaluate to undefined and are not sent. */
export function valueIml(f: FieldDescriptor): string {
  const ref = `parameters.${f.key}`;
  switch (f.type) {
    case 'dictionary':
      return `{{toCollection(${ref}, 'key', 'value')}}`;
    case 'multiselect':
      return f.serialize === 'comma' || f.in === 'query' ? `{{join(${ref}, ',')}}` : `{{${ref}}}`;
    case 'datetime':
      return `{{formatDate(${ref}, 'YYYY-MM-DDTHH:mm:ss.SSS[Z]')}}`;
    default:
      return `{{${ref}}}`;
  }
}

const MAKE_TYPE: Record<OutputField['type'], string> = {
  string: 'text',
  text: 'text',
  url: 'url',
  uuid: 'text',
  datetime: 'date',
  integer: 'number',
  number: 'number',
  boolean: 'boolean',
  select: 'text',
  multiselect: 'array',
  dictionary: 'collection',
  json: 'any',
  object: 'collection',
  list: 'array',
};

/** Output fields with dotted keys (`requested_by.name`) → Make's nested interface. */
export function toInterface(fields: OutputField[]): MakeParam[] {
  const root: MakeParam[] = [];
  for (const f of fields) {
    const parts = f.key.split('.');
    let level = root;
    for (let i = 0; i < parts.length - 1; i++) {
      let parent = level.find((p) => p.name === parts[i]);
      if (!parent) {
        parent = { name: parts[i]!, label: titleCase(parts[i]!.replace(/_/g, ' ')), type: 'collection', spec: [] };
        level.push(parent);
      }
      if (!Array.isArray(parent.spec)) Object.assign(parent, { type: 'collection', spec: [] });
      level = parent.spec as MakeParam[];
    }
    const label = parts.length > 1 ? f.label.replace(/^[^:]*:\s*/, '') : f.label;
    const existing = level.find((p) => p.name === parts.at(-1));
    if (existing) continue;
    level.push({ name: parts.at(-1)!, label, type: MAKE_TYPE[f.type] ?? 'any', ...(f.type === 'datetime' ? { time: true } : {}) });
  }
  return root;
}

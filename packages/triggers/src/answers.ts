import type { FieldDescriptor, FieldType, OutputField } from './fields.ts';

/**
 * The answer a request asks for, as output fields a platform's editor offers for mapping
 * (`response.amount`, Zapier's `response__amount`): one per field of the request's
 * `response_schema`, labelled with its title. What an answer must be is the contract's
 * (`checkAnswer`, on the server); this only names and types the fields for display, so a schema
 * that is not one (bad JSON, a typo, still being written in the editor) gives no fields rather than
 * an error: the server says what is wrong with it when the request is made.
 */

/** The shape read here: the contract's ResponseSchema, loosely (it may be anything a user typed). */
interface FieldLike {
  type?: unknown;
  title?: unknown;
  description?: unknown;
  enum?: unknown;
  items?: { enum?: unknown } | null;
  default?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  minLength?: unknown;
  maxLength?: unknown;
}
interface SchemaLike {
  properties?: Record<string, FieldLike | null>;
  required?: unknown;
}

const TYPE_OF: Record<string, FieldType> = { string: 'string', number: 'number', integer: 'integer', boolean: 'boolean', array: 'multiselect' };

/** A response schema given as an object, or as JSON text (Zapier's and Make's inputs are text); undefined when it is neither. */
export function responseSchemaOf(value: unknown): SchemaLike | undefined {
  let schema = value;
  if (typeof value === 'string') {
    try {
      schema = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return undefined;
  const { properties } = schema as SchemaLike;
  return properties && typeof properties === 'object' && !Array.isArray(properties) ? (schema as SchemaLike) : undefined;
}

/** The fields of a request's answer as output fields under `response.`; none when the schema is no schema. */
export function responseOutputFields(schema: unknown): OutputField[] {
  const s = responseSchemaOf(schema);
  if (!s?.properties) return [];
  return Object.entries(s.properties).flatMap(([name, f]) => {
    if (!f || typeof f !== 'object') return [];
    const type = typeof f.type === 'string' ? TYPE_OF[f.type] : undefined;
    if (!type) return [];
    const title = typeof f.title === 'string' && f.title.trim() !== '' ? f.title : name;
    return [{ key: `response.${name}`, label: `Response: ${title}`, type: type === 'string' && Array.isArray(f.enum) ? 'select' : type }];
  });
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The answer's fields as inputs, for a platform that lets a reviewer's step answer field by field
 * (a number as a number input, a choice as a dropdown) instead of writing JSON: keyed by the field's
 * name, typed, with its title, help, choices, default and limits. None is marked required: an answer
 * is given only with an approval, and a rejection needs none; the help says which ones approval needs.
 * `wireValue` turns each input back into the value the schema asks for.
 */
export function responseInputFields(schema: unknown): FieldDescriptor[] {
  const s = responseSchemaOf(schema);
  if (!s?.properties) return [];
  const required = new Set(strings(s.required) ?? []);
  return Object.entries(s.properties).flatMap(([name, f]): FieldDescriptor[] => {
    if (!f || typeof f !== 'object' || typeof f.type !== 'string' || !TYPE_OF[f.type]) return [];
    const choices = f.type === 'array' ? strings(f.items?.enum) : strings(f.enum);
    const type: FieldType = f.type === 'string' && choices ? 'select' : f.type === 'string' && (num(f.maxLength) ?? 0) > 1000 ? 'text' : TYPE_OF[f.type]!;
    const help = [typeof f.description === 'string' ? f.description : '', required.has(name) ? 'Required to approve.' : ''].filter(Boolean).join(' ');
    const field: FieldDescriptor = {
      key: name,
      label: typeof f.title === 'string' && f.title.trim() !== '' ? f.title : name,
      help: help || `The answer's ${name}`,
      type,
      required: false,
      in: 'body',
    };
    if (choices) field.options = choices.map((c) => ({ value: c, label: c }));
    if (f.default !== undefined) field.default = f.default;
    const limits = { minimum: num(f.minimum), maximum: num(f.maximum), minLength: num(f.minLength), maxLength: num(f.maxLength) };
    for (const [k, v] of Object.entries(limits)) if (v !== undefined) field[k as keyof typeof limits] = v;
    return [field];
  });
}

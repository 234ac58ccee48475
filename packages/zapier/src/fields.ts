import type { PlainInputField } from 'zapier-platform-core';
import type { FieldDescriptor, OutputField } from '@greenlight/triggers';

/**
 * `packages/triggers` decides what each field means (from the contract); this file only says how
 * Zapier draws it. Objects with named sub-fields (`resource`, `changes`) become one input per
 * sub-field, `parent__child`, put back together by `nestedInput`.
 */
const SEP = '__';

type ZapierType = NonNullable<PlainInputField['type']>;
const INPUT_TYPE: Record<FieldDescriptor['type'], ZapierType | null> = {
  string: 'string',
  url: 'string',
  uuid: 'string',
  text: 'text',
  datetime: 'datetime',
  integer: 'integer',
  number: 'number',
  boolean: 'boolean',
  select: 'string',
  multiselect: 'string',
  dictionary: 'string',
  json: 'json',
  object: null,
  list: null,
};

function helpText(f: FieldDescriptor): string {
  const limits = [
    f.minLength !== undefined && f.minLength > 1 ? `at least ${f.minLength} characters` : null,
    f.maxLength !== undefined ? `at most ${f.maxLength} characters` : null,
    f.minimum !== undefined && f.maximum !== undefined ? `between ${f.minimum} and ${f.maximum}` : null,
  ].filter(Boolean);
  const text = limits.length > 0 ? `${f.help} (${limits.join(', ')}).` : f.help;
  return text.length > 1000 ? `${text.slice(0, 997)}…` : text;
}

function placeholder(f: FieldDescriptor): string | undefined {
  if (f.example === undefined || typeof f.example === 'object') return undefined;
  return String(f.example);
}

export function inputField(f: FieldDescriptor, overrides: Partial<PlainInputField> = {}): PlainInputField[] {
  if (f.type === 'object') {
    return (f.children ?? []).flatMap((c) =>
      inputField({ ...c, key: `${f.key}${SEP}${c.key}`, label: `${f.label}: ${c.label}`, required: f.required && c.required }),
    );
  }
  const type = INPUT_TYPE[f.type];
  if (type === null) throw new Error(`field ${f.key}: ${f.type} has no Zapier input`);
  const field: PlainInputField = {
    key: f.key,
    label: f.label,
    helpText: helpText(f),
    type,
    required: f.required,
  };
  if (f.options) field.choices = f.options.map((o) => ({ value: o.value, label: o.label, sample: o.value }));
  if (f.type === 'multiselect') field.list = true;
  if (f.type === 'dictionary') field.dict = true;
  if (f.default !== undefined && f.type !== 'multiselect') field.default = String(f.default);
  const example = placeholder(f);
  if (example && f.type !== 'select' && f.type !== 'boolean') field.placeholder = example;
  return [{ ...field, ...overrides }];
}

export const inputFields = (fields: FieldDescriptor[], overrides: Record<string, Partial<PlainInputField>> = {}) =>
  fields.flatMap((f) => inputField(f, overrides[f.key]));

/** The Zap's input with each object's sub-fields (`parent__child`) put back together under `parent`. */
export function nestedInput(fields: FieldDescriptor[], input: Record<string, unknown>): Record<string, unknown> {
  const out = { ...input };
  for (const f of fields) {
    if (f.type !== 'object' || !f.children) continue;
    out[f.key] = Object.fromEntries(f.children.map((c) => [c.key, input[`${f.key}${SEP}${c.key}`]]));
  }
  return out;
}

const OUTPUT_TYPE: Record<FieldDescriptor['type'], 'string' | 'number' | 'boolean' | 'datetime' | 'integer' | undefined> = {
  string: 'string',
  url: 'string',
  uuid: 'string',
  text: 'string',
  select: 'string',
  multiselect: 'string',
  datetime: 'datetime',
  integer: 'integer',
  number: 'number',
  boolean: 'boolean',
  dictionary: undefined,
  json: undefined,
  object: undefined,
  list: undefined,
};

/** Zapier flattens nested output with `__`; dotted trigger-layer keys follow that. */
export const outputFields = (fields: OutputField[]) =>
  fields.map((f) => {
    const type = OUTPUT_TYPE[f.type];
    return { key: f.key.replace(/\./g, SEP), label: f.label, ...(type ? { type } : {}) };
  });

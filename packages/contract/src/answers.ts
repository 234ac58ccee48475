import { z } from './zod.ts';
import { valueAtContentPath } from './content-path.ts';

/**
 * Answers: a request may ask the reviewer for typed input (`response_schema`, a small, documented
 * subset of JSON Schema: a flat form) and/or let them edit fields of its own content (`editable`).
 * Everything here is the one definition of what a schema may say, what an answer must be and how an
 * edit applies; the server checks with it, the dashboard renders and pre-checks with it, the clients
 * read its types.
 *
 * The subset is deliberately a form, not a language: no `$ref`, no `pattern` (a requester's regular
 * expression run on the server is a denial-of-service waiting to happen), no nesting. Every field is
 * something each channel can render as one control.
 */
export const ANSWER_LIMITS = {
  fieldsMax: 20,
  choicesMax: 100,
  choiceMax: 200,
  stringMax: 10_000,
  editableMax: 20,
  editablePathMax: 200,
  labelMax: 200,
  helpMax: 1_000,
} as const;

/** A field name: what a callback, an n8n expression or a Zapier field maps, so a plain identifier. */
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const FieldName = z.string().regex(FIELD_NAME, 'field names are 1–64 letters, digits or _, not starting with a digit');

const label = {
  title: z.string().min(1).max(ANSWER_LIMITS.labelMax).optional().openapi({ description: 'The label shown to the reviewer (default: the field name)' }),
  description: z.string().max(ANSWER_LIMITS.helpMax).optional().openapi({ description: 'Help shown under the field' }),
};
const Choices = z
  .array(z.string().min(1).max(ANSWER_LIMITS.choiceMax))
  .min(1)
  .max(ANSWER_LIMITS.choicesMax)
  .refine((c) => new Set(c).size === c.length, { message: 'choices must be distinct' });
const Length = z.number().int().min(0).max(ANSWER_LIMITS.stringMax);
const Bound = z.number().finite();

const StringField = z
  .strictObject({
    type: z.literal('string'),
    ...label,
    enum: Choices.optional().openapi({ description: 'The only values allowed: rendered as a choice' }),
    minLength: Length.optional(),
    maxLength: Length.min(1).optional().openapi({ description: `At most ${ANSWER_LIMITS.stringMax} (the default)` }),
    default: z.string().max(ANSWER_LIMITS.stringMax).optional(),
  })
  .openapi('ResponseStringField');
const NumberField = z
  .strictObject({ type: z.literal('number'), ...label, minimum: Bound.optional(), maximum: Bound.optional(), default: Bound.optional() })
  .openapi('ResponseNumberField');
const IntegerField = z
  .strictObject({ type: z.literal('integer'), ...label, minimum: z.number().int().optional(), maximum: z.number().int().optional(), default: z.number().int().optional() })
  .openapi('ResponseIntegerField');
const BooleanField = z.strictObject({ type: z.literal('boolean'), ...label, default: z.boolean().optional() }).openapi('ResponseBooleanField');
const ChoicesField = z
  .strictObject({
    type: z.literal('array'),
    ...label,
    items: z.strictObject({ type: z.literal('string'), enum: Choices }),
    minItems: z.number().int().min(0).max(ANSWER_LIMITS.choicesMax).optional(),
    maxItems: z.number().int().min(1).max(ANSWER_LIMITS.choicesMax).optional(),
    uniqueItems: z.literal(true).optional().openapi({ description: 'Always true in effect: a choice is picked once' }),
    default: z.array(z.string()).optional(),
  })
  .openapi('ResponseChoicesField', { description: 'Several of a fixed list of choices' });

export const ResponseField = z.discriminatedUnion('type', [StringField, NumberField, IntegerField, BooleanField, ChoicesField]).openapi('ResponseField');
export type ResponseField = z.infer<typeof ResponseField>;

export const ResponseSchema = z
  .strictObject({
    type: z.literal('object'),
    title: z.string().max(ANSWER_LIMITS.labelMax).optional(),
    description: z.string().max(ANSWER_LIMITS.helpMax).optional(),
    properties: z.record(FieldName, ResponseField),
    required: z.array(FieldName).max(ANSWER_LIMITS.fieldsMax).optional(),
    additionalProperties: z.literal(false).optional().openapi({ description: 'Always false in effect: an answer has only the fields asked' }),
  })
  .superRefine((s, ctx) => {
    const names = Object.keys(s.properties);
    if (names.length === 0) ctx.addIssue({ code: 'custom', path: ['properties'], message: 'a response schema asks for at least one field' });
    if (names.length > ANSWER_LIMITS.fieldsMax) ctx.addIssue({ code: 'custom', path: ['properties'], message: `at most ${ANSWER_LIMITS.fieldsMax} fields` });
    s.required?.forEach((name, i) => {
      if (!Object.hasOwn(s.properties, name)) ctx.addIssue({ code: 'custom', path: ['required', i], message: `${name} is not one of the properties` });
    });
    for (const [name, f] of Object.entries(s.properties)) {
      const at = ['properties', name];
      if ((f.type === 'number' || f.type === 'integer') && f.minimum !== undefined && f.maximum !== undefined && f.minimum > f.maximum) {
        ctx.addIssue({ code: 'custom', path: at, message: 'minimum is above maximum' });
      }
      if (f.type === 'string' && f.minLength !== undefined && f.maxLength !== undefined && f.minLength > f.maxLength) {
        ctx.addIssue({ code: 'custom', path: at, message: 'minLength is above maxLength' });
      }
      if (f.type === 'array' && f.minItems !== undefined && f.maxItems !== undefined && f.minItems > f.maxItems) {
        ctx.addIssue({ code: 'custom', path: at, message: 'minItems is above maxItems' });
      }
      if (f.default !== undefined) {
        const check = fieldValidator(f).safeParse(f.default);
        if (!check.success) ctx.addIssue({ code: 'custom', path: [...at, 'default'], message: `the default is not a valid answer: ${check.error.issues[0]!.message}` });
      }
    }
  })
  .openapi('ResponseSchema', {
    description:
      'What the reviewer answers when approving: a flat form in a subset of JSON Schema. Each property is a string (optionally a choice ' +
      'with `enum`, `minLength`, `maxLength`), a number or integer (`minimum`, `maximum`), a boolean, or an array of strings from a fixed ' +
      '`items.enum` (several choices, `minItems`, `maxItems`); each may have `title`, `description` and a `default`. `required` names the ' +
      `fields that must be answered. At most ${ANSWER_LIMITS.fieldsMax} fields, named as identifiers. No other keyword is accepted.`,
    example: {
      type: 'object',
      properties: {
        amount: { type: 'number', title: 'Refund amount', minimum: 0, maximum: 500 },
        region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
      },
      required: ['amount'],
    },
  });
export type ResponseSchema = z.infer<typeof ResponseSchema>;

/** An answer as given: field name to value. What the values must be is the request's schema's to say. */
export const Answer = z
  .record(FieldName, z.unknown())
  .openapi('Answer', { description: "The reviewer's answer to the request's `response_schema`, field by field", example: { amount: 120, region: 'eu' } });
export type Answer = z.infer<typeof Answer>;

/** An answer and edits come only with an approval: the rule every decision body (a request's, a step's) applies. */
export function answersOnlyWithApproval(body: { decision: string; response?: unknown; edits?: unknown }, ctx: z.RefinementCtx): void {
  if (body.decision === 'approve') return;
  if (body.response !== undefined) ctx.addIssue({ code: 'custom', path: ['response'], message: 'an answer is given only with an approval' });
  if (body.edits !== undefined) ctx.addIssue({ code: 'custom', path: ['edits'], message: 'edits are made only with an approval' });
}

/** The validator of one field, written by hand from the subset (not `z.fromJSONSchema`, so the messages and defaults are ours). */
function fieldValidator(f: ResponseField): z.ZodType {
  switch (f.type) {
    case 'string': {
      if (f.enum) return z.enum(f.enum as [string, ...string[]]);
      let s = z.string().max(f.maxLength ?? ANSWER_LIMITS.stringMax);
      if (f.minLength !== undefined) s = s.min(f.minLength);
      return s;
    }
    case 'number':
    case 'integer': {
      let n = f.type === 'integer' ? z.number().int() : z.number().finite();
      if (f.minimum !== undefined) n = n.min(f.minimum);
      if (f.maximum !== undefined) n = n.max(f.maximum);
      return n;
    }
    case 'boolean':
      return z.boolean();
    case 'array': {
      let a = z.array(z.enum(f.items.enum as [string, ...string[]]));
      if (f.minItems !== undefined) a = a.min(f.minItems);
      if (f.maxItems !== undefined) a = a.max(f.maxItems);
      return a.refine((v) => new Set(v).size === v.length, { message: 'a choice is picked at most once' });
    }
  }
}

/** One field an answer got wrong, as an error's `details` lists it. */
export interface AnswerProblem {
  field: string;
  reason: string;
}

export type AnswerCheck = { ok: true; answer: Record<string, unknown> } | { ok: false; problems: AnswerProblem[] };

/**
 * An answer checked against its schema: defaults filled in for fields left out, unknown fields and
 * missing required ones named. An empty string for an optional string field counts as left out (a form
 * submits empty inputs).
 */
export function checkAnswer(schema: ResponseSchema, given: Record<string, unknown> | undefined): AnswerCheck {
  const problems: AnswerProblem[] = [];
  const answer: Record<string, unknown> = {};
  const input = given ?? {};
  for (const name of Object.keys(input)) {
    if (!Object.hasOwn(schema.properties, name)) problems.push({ field: name, reason: 'is not asked for by this request' });
  }
  const required = new Set(schema.required ?? []);
  for (const [name, f] of Object.entries(schema.properties)) {
    let v = Object.hasOwn(input, name) ? input[name] : undefined;
    if (v === null || (v === '' && f.type === 'string' && !required.has(name))) v = undefined;
    if (v === undefined) v = f.default;
    if (v === undefined) {
      if (required.has(name)) problems.push({ field: name, reason: 'is required' });
      continue;
    }
    const r = fieldValidator(f).safeParse(v);
    if (r.success) answer[name] = r.data;
    else problems.push({ field: name, reason: r.error.issues[0]!.message });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, answer };
}

/** Whether approving with no input at all would pass: every required field has a valid default. */
export const defaultsAnswer = (schema: ResponseSchema): boolean => checkAnswer(schema, {}).ok;

/** The fields of a schema in the order they were written, each with its label: what every channel renders. */
export function answerFields(schema: ResponseSchema): { name: string; label: string; required: boolean; field: ResponseField }[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, field]) => ({ name, label: field.title ?? name, required: required.has(name), field }));
}

// ---------------------------------------------------------------------------------------------------
// Edits: fields of the request's own content the reviewer may change before approving.

/** A path into `metadata` or `changes.after`, as `redact` paths are written (a dot between keys; a number indexes an array). */
export const EDITABLE_PATH = /^(metadata|changes\.after)(\.[^.]+)+$/;

export const EditablePaths = z
  .array(z.string().max(ANSWER_LIMITS.editablePathMax).regex(EDITABLE_PATH, 'editable paths start with metadata. or changes.after. and name a field'))
  .max(ANSWER_LIMITS.editableMax)
  .openapi('EditablePaths', {
    description:
      'Fields of this request\'s `metadata` or `changes.after` the reviewer may change before approving (a tool call\'s arguments, an ' +
      "email's body, a query): paths such as `metadata.arguments.query` or `changes.after.plan`. Each must name a field of this request that " +
      'is not marked sensitive in `redact`. An edit keeps the JSON type of the value it replaces. What was approved, edits applied, is ' +
      '`approved_content`, and `approved_content_sha256` is computed over it.',
    example: ['metadata.arguments.query'],
  });

/** Edits as a decision gives them: editable path to its new value. */
export const Edits = z
  .record(z.string().max(ANSWER_LIMITS.editablePathMax), z.unknown())
  .openapi('Edits', { description: 'New values for fields of `editable`, by path', example: { 'metadata.arguments.query': 'SELECT id FROM users LIMIT 10' } });
export type Edits = z.infer<typeof Edits>;

export const Edit = z
  // Optional only in type: zod reads an unknown value as possibly absent, so the generated clients must too.
  .object({ path: z.string(), before: z.unknown().optional(), after: z.unknown().optional() })
  .openapi('Edit', { description: 'One field the reviewer changed: its value as requested and as approved' });
export type Edit = z.infer<typeof Edit>;

export interface Content {
  metadata: Record<string, unknown>;
  changes: { before: Record<string, unknown> | null; after: Record<string, unknown> | null } | null;
}

const segments = (path: string): string[] => {
  const [root, ...rest] = path.split('.');
  return root === 'metadata' ? ['metadata', ...rest] : ['changes', 'after', ...rest.slice(1)];
};

const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Whether an editable path names a field of this content (checked at create time). */
export const pathExists = (content: Content, path: string): boolean => valueAtContentPath(content, path) !== undefined;

export type EditCheck = { ok: true; edits: Edit[] } | { ok: false; problems: AnswerProblem[] };

/**
 * Edits checked against what the request lets the reviewer change: each path must be editable and
 * keep the JSON type of its value (a string stays a string). An edit that changes nothing is dropped,
 * so `edits` lists only real changes.
 */
export function checkEdits(content: Content, editable: readonly string[], given: Record<string, unknown> | undefined): EditCheck {
  const problems: AnswerProblem[] = [];
  const edits: Edit[] = [];
  for (const [path, after] of Object.entries(given ?? {})) {
    if (!editable.includes(path)) {
      problems.push({ field: path, reason: 'is not editable on this request' });
      continue;
    }
    const before = valueAtContentPath(content, path);
    if (kind(after) !== kind(before)) problems.push({ field: path, reason: `must stay a ${kind(before)}` });
    else if (JSON.stringify(after) !== JSON.stringify(before)) edits.push({ path, before, after });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, edits };
}

/** The content with edits applied (a copy): what was approved. */
export function applyEdits<C extends Content>(content: C, edits: readonly Edit[]): C {
  if (edits.length === 0) return content;
  const out = structuredClone(content);
  for (const { path, after } of edits) {
    const keys = segments(path);
    let cur = out as unknown as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) cur = cur[Array.isArray(cur) ? Number(key) : key] as Record<string, unknown>;
    const last = keys[keys.length - 1]!;
    cur[Array.isArray(cur) ? Number(last) : last] = structuredClone(after);
  }
  return out;
}

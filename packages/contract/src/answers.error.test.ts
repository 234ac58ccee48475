import { describe, expect, it } from 'vitest';
import { checkAnswer, checkEdits, CreateApprovalBody, DecideApprovalBody, ResponseSchema, type Content } from './index.ts';

const schema = ResponseSchema.parse({
  type: 'object',
  properties: {
    amount: { type: 'number', minimum: 0, maximum: 500 },
    region: { type: 'string', enum: ['eu', 'us'] },
    note: { type: 'string', maxLength: 5 },
    n: { type: 'integer' },
    picks: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
  },
  required: ['amount'],
});

describe('a response schema outside the documented subset is refused', () => {
  it.each([
    ['a nested object', { type: 'object', properties: { a: { type: 'object', properties: {} } } }],
    ['a pattern (a requester regex run on the server)', { type: 'object', properties: { a: { type: 'string', pattern: '^(a+)+$' } } }],
    ['a $ref', { type: 'object', properties: { a: { $ref: '#/x' } } }],
    ['no fields', { type: 'object', properties: {} }],
    ['a required field that is not a property', { type: 'object', properties: { a: { type: 'boolean' } }, required: ['b'] }],
    ['a field name that is not an identifier', { type: 'object', properties: { 'a b': { type: 'boolean' } } }],
    ['minimum above maximum', { type: 'object', properties: { a: { type: 'number', minimum: 5, maximum: 1 } } }],
    ['a default that is not a valid answer', { type: 'object', properties: { a: { type: 'string', enum: ['x'], default: 'y' } } }],
    ['repeated choices', { type: 'object', properties: { a: { type: 'string', enum: ['x', 'x'] } } }],
    ['additionalProperties true', { type: 'object', properties: { a: { type: 'boolean' } }, additionalProperties: true }],
    ['too many fields', { type: 'object', properties: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}`, { type: 'boolean' }])) }],
  ])('%s', (_name, s) => {
    expect(ResponseSchema.safeParse(s).success).toBe(false);
  });
});

describe('a wrong answer is refused, field by field', () => {
  it.each([
    ['a missing required field', {}, 'amount', 'is required'],
    ['a number out of range', { amount: 501 }, 'amount', '<=500'],
    ['a string for a number', { amount: '12' }, 'amount', 'expected number'],
    ['a choice not offered', { amount: 1, region: 'mars' }, 'region', 'eu'],
    ['a string too long', { amount: 1, note: 'toolong' }, 'note', '<=5'],
    ['a fraction for an integer', { amount: 1, n: 1.5 }, 'n', 'int'],
    ['a choice picked twice', { amount: 1, picks: ['a', 'a'] }, 'picks', 'once'],
    ['a field not asked for', { amount: 1, extra: true }, 'extra', 'not asked'],
  ])('%s', (_name, answer, field, reason) => {
    const r = checkAnswer(schema, answer);
    expect(r.ok).toBe(false);
    const problem = r.ok ? undefined : r.problems.find((p) => p.field === field);
    expect(problem?.reason).toContain(reason);
  });
});

describe('a wrong edit is refused', () => {
  const content: Content = { metadata: { q: 'x', n: 1, secret: 's' }, changes: null };
  it.each([
    ['a path not editable', { 'metadata.secret': 't' }, 'not editable'],
    ['a string made a number', { 'metadata.q': 5 }, 'must stay a string'],
    ['a number made null', { 'metadata.n': null }, 'must stay a number'],
  ])('%s', (_name, edits, reason) => {
    const r = checkEdits(content, ['metadata.q', 'metadata.n'], edits);
    expect(r.ok ? undefined : r.problems[0]?.reason).toContain(reason);
  });
});

describe('a create or decision that misuses answers is refused', () => {
  const base = { title: 't', description: '', priority: 'low', metadata: { q: 'x', ssn: '1' } };
  it.each([
    ['an editable path naming nothing', { ...base, editable: ['metadata.nope'] }],
    ['an editable path listed twice', { ...base, editable: ['metadata.q', 'metadata.q'] }],
    ['an editable field that is sensitive', { ...base, redact: ['metadata.ssn'], editable: ['metadata.ssn'] }],
    ['an editable path into changes.before', { ...base, changes: { before: { a: 1 }, after: null }, editable: ['changes.before.a'] }],
  ])('%s', (_name, body) => {
    expect(CreateApprovalBody.safeParse(body).success).toBe(false);
  });
  it.each([
    ['an answer with a rejection', { decision: 'reject', response: { a: 1 } }],
    ['edits with a rejection', { decision: 'reject', edits: { 'metadata.q': 'y' } }],
  ])('%s', (_name, body) => {
    expect(DecideApprovalBody.safeParse(body).success).toBe(false);
  });
});

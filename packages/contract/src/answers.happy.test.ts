import { describe, expect, it } from 'vitest';
import { answerFields, answerOfControl, applyEdits, checkAnswer, checkEdits, controlOf, CreateApprovalBody, defaultsAnswer, DecideApprovalBody, editInitial, editOfControl, refusalIssues, refusalProblems, ResponseSchema, type Content } from './index.ts';

const refund = ResponseSchema.parse({
  type: 'object',
  properties: {
    amount: { type: 'number', title: 'Refund amount', minimum: 0, maximum: 500 },
    region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
    reason: { type: 'string', maxLength: 20 },
    notify: { type: 'boolean', default: true },
    items: { type: 'array', items: { type: 'string', enum: ['a', 'b', 'c'] }, maxItems: 2 },
    count: { type: 'integer', minimum: 1 },
  },
  required: ['amount'],
});

describe('an answer is checked against the schema it answers', () => {
  it('fills defaults in and keeps what was given', () => {
    expect(checkAnswer(refund, { amount: 120, items: ['a', 'c'] })).toEqual({ ok: true, answer: { amount: 120, region: 'eu', notify: true, items: ['a', 'c'] } });
  });

  it('treats an empty optional string, and null, as left out (a form submits empty inputs)', () => {
    expect(checkAnswer(refund, { amount: 1, reason: '', count: null })).toEqual({ ok: true, answer: { amount: 1, region: 'eu', notify: true } });
  });

  it('says whether approving with no input would pass', () => {
    expect(defaultsAnswer(refund)).toBe(false);
    expect(defaultsAnswer(ResponseSchema.parse({ type: 'object', properties: { region: { type: 'string', enum: ['eu'], default: 'eu' } }, required: ['region'] }))).toBe(true);
  });

  it('lists the fields in the order written, with labels and required marks', () => {
    expect(answerFields(refund).map((f) => [f.name, f.label, f.required])).toEqual([
      ['amount', 'Refund amount', true],
      ['region', 'region', false],
      ['reason', 'reason', false],
      ['notify', 'notify', false],
      ['items', 'items', false],
      ['count', 'count', false],
    ]);
  });
});

describe('edits change only editable fields, keeping their types', () => {
  const content: Content = { metadata: { arguments: { query: 'DROP TABLE users', limit: 10 }, tags: ['x'] }, changes: { before: { plan: 'pro' }, after: { plan: 'free' } } };
  const editable = ['metadata.arguments.query', 'metadata.arguments.limit', 'changes.after.plan', 'metadata.tags.0'];

  it('records each real change with its value before and after, and applies them to a copy', () => {
    const r = checkEdits(content, editable, { 'metadata.arguments.query': 'SELECT 1', 'metadata.arguments.limit': 10, 'changes.after.plan': 'team', 'metadata.tags.0': 'y' });
    expect(r).toEqual({
      ok: true,
      edits: [
        { path: 'metadata.arguments.query', before: 'DROP TABLE users', after: 'SELECT 1' },
        { path: 'changes.after.plan', before: 'free', after: 'team' },
        { path: 'metadata.tags.0', before: 'x', after: 'y' },
      ],
    });
    const approved = applyEdits(content, r.ok ? r.edits : []);
    expect(approved).toEqual({ metadata: { arguments: { query: 'SELECT 1', limit: 10 }, tags: ['y'] }, changes: { before: { plan: 'pro' }, after: { plan: 'team' } } });
    expect(content.metadata.arguments).toEqual({ query: 'DROP TABLE users', limit: 10 });
  });

  it('a create may mark fields editable, and a decision may give an answer and edits with an approval', () => {
    expect(CreateApprovalBody.safeParse({ title: 't', description: '', priority: 'low', metadata: { q: 'x' }, editable: ['metadata.q'], response_schema: refund }).success).toBe(true);
    expect(DecideApprovalBody.safeParse({ decision: 'approve', response: { amount: 1 }, edits: { 'metadata.q': 'y' } }).success).toBe(true);
  });
});

describe('a form reads and renders fields the same way on every page (answer-controls)', () => {
  const f = refund.properties;
  it('a field is one control: a short string a text box, a long one a textarea, a choice a select', () => {
    expect([f.amount, f.region, f.reason, f.notify, f.items, f.count].map((x) => controlOf(x!))).toEqual(['number', 'select', 'text', 'checkbox', 'choices', 'number']);
    expect(controlOf({ type: 'string' })).toBe('textarea');
  });
  it("a control's value answers as checkAnswer expects: empty is left out, a number that is not one stays text to be named", () => {
    expect(answerOfControl(f.amount!, '12.5', true)).toBe(12.5);
    expect(answerOfControl(f.amount!, 'twelve', true)).toBe('twelve');
    expect(answerOfControl(f.amount!, ' ', true)).toBeUndefined();
    expect(answerOfControl(f.notify!, undefined, false)).toBeUndefined();
    expect(answerOfControl(f.notify!, false, false)).toBe(false);
    expect(answerOfControl(f.items!, 'a', false)).toEqual(['a']);
    expect(answerOfControl(f.items!, [], false)).toBeUndefined();
    expect(answerOfControl(f.items!, [], true)).toEqual([]);
  });
  it('an editable value is edited in its own type and read back, JSON that does not parse named', () => {
    expect(editInitial({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(editOfControl({ a: 1 }, '{"a":2}')).toEqual({ ok: true, value: { a: 2 } });
    expect(editOfControl({ a: 1 }, '{')).toEqual({ ok: false, reason: 'is not valid JSON' });
    expect(editOfControl(3, 'x')).toEqual({ ok: false, reason: 'must be a number' });
    expect(editOfControl(true, false)).toEqual({ ok: true, value: false });
  });
  it("a refusal's issues are found by field and by path", () => {
    const details = { issues: [{ path: 'response.amount', message: 'is required' }, { path: 'edits.metadata.q', message: 'must stay a string' }] };
    expect(refusalProblems(details)).toEqual({ answers: { amount: 'is required' }, edits: { 'metadata.q': 'must stay a string' } });
  });
  it('every issue a refusal names is read once, in order: array paths, issues that name no field, the first reason of a field kept', () => {
    const details = {
      issues: [
        { path: ['response', 'amount'], message: 'is required' },
        { path: 'response.amount', message: 'must be a number' },
        { path: 'edits.metadata.q', message: 'must stay a string' },
        { path: 'decision', message: 'must be approve' },
        { message: 'is not allowed' },
      ],
    };
    expect(refusalIssues(details)).toEqual([
      { on: 'answer', name: 'amount', reason: 'is required' },
      { on: 'answer', name: 'amount', reason: 'must be a number' },
      { on: 'edit', path: 'metadata.q', reason: 'must stay a string' },
      { on: 'other', path: 'decision', reason: 'must be approve' },
      { on: 'other', path: '', reason: 'is not allowed' },
    ]);
    expect(refusalProblems(details)).toEqual({ answers: { amount: 'is required' }, edits: { 'metadata.q': 'must stay a string' } });
    expect(refusalIssues(undefined)).toEqual([]);
    expect(refusalIssues({ issues: 'no' })).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { checkAnswer, ResponseSchema } from '@greenlight/contract';
import { responseInputFields, responseOutputFields, SAMPLE_DECIDED_APPROVAL, SAMPLE_PENDING_APPROVAL, wireValue } from './index.ts';

describe('the answer as output fields', () => {
  it('one field per property of the schema, labelled with its title, typed for mapping', () => {
    const schema = ResponseSchema.parse({
      type: 'object',
      properties: {
        amount: { type: 'number', title: 'Refund amount', minimum: 0 },
        region: { type: 'string', enum: ['eu', 'us'] },
        note: { type: 'string' },
        seats: { type: 'integer' },
        notify: { type: 'boolean' },
        channels: { type: 'array', items: { type: 'string', enum: ['mail', 'sms'] } },
      },
    });
    expect(responseOutputFields(schema)).toEqual([
      { key: 'response.amount', label: 'Response: Refund amount', type: 'number' },
      { key: 'response.region', label: 'Response: region', type: 'select' },
      { key: 'response.note', label: 'Response: note', type: 'string' },
      { key: 'response.seats', label: 'Response: seats', type: 'integer' },
      { key: 'response.notify', label: 'Response: notify', type: 'boolean' },
      { key: 'response.channels', label: 'Response: channels', type: 'multiselect' },
    ]);
    // As the text a Zapier or Make input holds.
    expect(responseOutputFields(JSON.stringify(schema))).toEqual(responseOutputFields(schema));
  });

  it.each([undefined, null, '', '{not json', '[]', '42', { type: 'object' }, { properties: [] }])('no fields for what is no schema (%j): the server names what is wrong', (value) => {
    expect(responseOutputFields(value)).toEqual([]);
  });

  it('the samples show an answer, an edit and what was approved, as the contract has them', () => {
    expect(ResponseSchema.safeParse(SAMPLE_PENDING_APPROVAL.response_schema).success).toBe(true);
    expect(Object.keys(SAMPLE_DECIDED_APPROVAL.response ?? {})).toEqual(responseOutputFields(SAMPLE_PENDING_APPROVAL.response_schema).map((f) => f.key.slice('response.'.length)));
    const [edit] = SAMPLE_DECIDED_APPROVAL.edits ?? [];
    expect(SAMPLE_PENDING_APPROVAL.editable).toEqual([edit!.path]);
    expect(SAMPLE_DECIDED_APPROVAL.approved_content?.metadata.notice).toBe(edit!.after);
  });
});

describe('the answer as inputs', () => {
  it('one typed input per field: choices as options, limits and defaults kept, none required, the help says what approval needs; wireValue gives back what the schema asks', () => {
    const schema = ResponseSchema.parse({
      type: 'object',
      properties: {
        amount: { type: 'number', title: 'Refund amount', description: 'In EUR', minimum: 0, maximum: 500 },
        region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
        seats: { type: 'integer' },
        notify: { type: 'boolean' },
        channels: { type: 'array', items: { type: 'string', enum: ['mail', 'sms'] } },
        note: { type: 'string', maxLength: 5000 },
      },
      required: ['amount'],
    });
    const fields = responseInputFields(schema);
    expect(fields).toEqual([
      { key: 'amount', label: 'Refund amount', help: 'In EUR Required to approve.', type: 'number', required: false, in: 'body', minimum: 0, maximum: 500 },
      { key: 'region', label: 'region', help: "The answer's region", type: 'select', required: false, in: 'body', options: [{ value: 'eu', label: 'eu' }, { value: 'us', label: 'us' }], default: 'eu' },
      { key: 'seats', label: 'seats', help: "The answer's seats", type: 'integer', required: false, in: 'body' },
      { key: 'notify', label: 'notify', help: "The answer's notify", type: 'boolean', required: false, in: 'body' },
      { key: 'channels', label: 'channels', help: "The answer's channels", type: 'multiselect', required: false, in: 'body', options: [{ value: 'mail', label: 'mail' }, { value: 'sms', label: 'sms' }] },
      { key: 'note', label: 'note', help: "The answer's note", type: 'text', required: false, in: 'body', maxLength: 5000 },
    ]);
    // What a form hands over as text, back to what checkAnswer accepts.
    const text: Record<string, unknown> = { amount: '120.5', region: 'us', seats: '3', notify: 'yes', channels: 'mail, sms', note: 'ok' };
    const answer = Object.fromEntries(fields.map((f) => [f.key, wireValue(f, text[f.key])]));
    expect(checkAnswer(schema, answer)).toEqual({ ok: true, answer: { amount: 120.5, region: 'us', seats: 3, notify: true, channels: ['mail', 'sms'], note: 'ok' } });
    expect(responseInputFields('{oops')).toEqual([]);
  });
});

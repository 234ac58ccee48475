/** A request that asks for an answer and lets the reviewer edit a tool call's input: what the answer tests decide. */
export const REFUND = {
  title: 'Refund order A-1',
  description: 'The customer asks for a refund',
  priority: 'medium',
  metadata: { order: 'A-1', input: { query: 'SELECT * FROM orders', limit: 10, dry_run: true } },
  response_schema: {
    type: 'object',
    properties: {
      amount: { type: 'number', title: 'Refund amount', minimum: 0, maximum: 500 },
      region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
      expedite: { type: 'boolean' },
      reasons: { type: 'array', items: { type: 'string', enum: ['late', 'broken', 'other'] } },
    },
    required: ['amount'],
  },
  editable: ['metadata.input.query', 'metadata.input.limit', 'metadata.input.dry_run'],
};

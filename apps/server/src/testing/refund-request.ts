/**
 * Test-only: a refund an agent proposes, asking the reviewer for an answer (how much and where, a box
 * to tick, how to tell the customer) and letting them rewrite the note; tests that edit other fields
 * give their own `editable`.
 */
export const REFUND = {
  title: 'Refund order #1001',
  description: 'The customer asks for a refund',
  metadata: { order: '1001', note: 'Sorry for the delay', arguments: { amount_cents: 12000, tags: ['vip'] } },
  response_schema: {
    type: 'object',
    properties: {
      amount: { type: 'number', title: 'Refund amount', description: 'In euros, at most the order total', minimum: 0, maximum: 500 },
      region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
      expedite: { type: 'boolean', title: 'Expedite' },
      channels: { type: 'array', title: 'Tell the customer by', items: { type: 'string', enum: ['email', 'sms'] } },
    },
    required: ['amount'],
  },
  editable: ['metadata.note', 'metadata.arguments.amount_cents'],
};

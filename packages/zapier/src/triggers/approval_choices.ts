import { defineTrigger, type Bundle, type ZObject } from 'zapier-platform-core';
import { approvalChoice, approvalPage } from '../choices.ts';

/** Hidden: the dropdown of recent approval requests (any status), for "Add Comment". */
export default defineTrigger({
  key: 'approval_choices',
  noun: 'Approval Request',
  display: { label: 'Approval Requests', description: 'Lists recent approval requests for dropdowns.', hidden: true },
  operation: {
    type: 'polling',
    canPaginate: true,
    perform: async (z: ZObject, bundle: Bundle) => (await approvalPage(z, bundle, {})).map(approvalChoice),
    sample: { id: 'a1b2c3d4-e5f6-4890-abcd-ef1234567890', name: 'Delete user account #4821 (pending, 2026-03-24)' },
    outputFields: [
      { key: 'id', label: 'Approval Request ID' },
      { key: 'name', label: 'Approval Request' },
    ],
  },
});

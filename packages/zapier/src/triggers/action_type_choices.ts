import { defineTrigger, type Bundle, type ZObject } from 'zapier-platform-core';
import { approvalPage } from '../choices.ts';

/**
 * Hidden: the action types already in use, so Zaps route on the same labels. The API keeps no
 * list of them, so they come from recent requests; a new one can still be typed in the dropdown.
 */
export default defineTrigger({
  key: 'action_type_choices',
  noun: 'Action Type',
  display: { label: 'Action Types', description: 'Lists the action types used by recent approval requests.', hidden: true },
  operation: {
    type: 'polling',
    canPaginate: true,
    perform: async (z: ZObject, bundle: Bundle) => {
      const seen = new Set<string>();
      for (const a of await approvalPage(z, bundle, {})) if (a.action_type) seen.add(a.action_type);
      return [...seen].map((t) => ({ id: t, name: t }));
    },
    sample: { id: 'user.delete', name: 'user.delete' },
    outputFields: [
      { key: 'id', label: 'Action Type' },
      { key: 'name', label: 'Action Type' },
    ],
  },
});

/** The definition passes Zapier's own schema, prepared as the CLI prepares it before validating. */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { App } from './helpers.ts';

const require = createRequire(import.meta.url);
const { prepareApp, validateApp } = require('zapier-platform-core/src/tools/schema') as {
  prepareApp(app: unknown): unknown;
  validateApp(app: unknown): { property: string; message: string }[];
};

describe('app definition', () => {
  it('validates with zero errors against zapier-platform-schema', () => {
    const errors = validateApp(prepareApp(App));
    expect(errors.map((e) => `${e.property}: ${e.message}`)).toEqual([]);
  });

  it('the same check catches a broken definition (so a pass means something)', () => {
    const broken = { ...App, triggers: { ...App.triggers, new_approval: { ...App.triggers.new_approval, key: 'new approval!' } } };
    expect(validateApp(prepareApp(broken)).length).toBeGreaterThan(0);
  });

  it('declares OAuth 2.0 with PKCE, auto refresh, a test call and a connection label', () => {
    const auth = App.authentication!;
    expect(auth.type).toBe('oauth2');
    expect(auth.oauth2Config).toMatchObject({ enablePkce: true, autoRefresh: true, scope: 'approvals:read approvals:write comments:write' });
    expect(typeof auth.test).toBe('function');
    expect(typeof auth.connectionLabel).toBe('function');
  });

  it('has the REST-hook triggers, hidden dropdown triggers, creates, search and search-or-create', () => {
    const hooks = Object.values(App.triggers).filter((t) => t.operation.type === 'hook').map((t) => t.key);
    expect(hooks.sort()).toEqual(['approval_decided', 'new_approval', 'new_comment']);
    const hidden = Object.values(App.triggers).filter((t) => t.display.hidden).map((t) => t.key);
    expect(hidden.sort()).toEqual(['action_type_choices', 'approval_choices', 'pending_approval_choices']);
    expect(Object.keys(App.creates).sort()).toEqual(['add_comment', 'cancel_approval', 'decide_approval', 'request_approval', 'request_approval_and_wait']);
    expect(Object.keys(App.searches)).toEqual(['find_approval']);
    expect(App.searchOrCreates).toMatchObject({ find_approval: { search: 'find_approval', create: 'request_approval' } });
  });

  it('actions and the search list what the connection may do (viewer_can) among their output fields; the triggers, whose items carry none, do not', () => {
    // Zapier flattens nested output with `__`.
    const keys = (o: { operation: { outputFields?: unknown[] } }) =>
      (o.operation.outputFields ?? []).flatMap((f) => (typeof f === 'function' ? [] : [(f as { key: string }).key.replace(/__/g, '.')]));
    const canKeys = ['allowed', 'reason', 'steps', 'approve.allowed', 'approve.reason'].map((k) => `viewer_can.decide.${k}`);
    for (const c of ['cancel_approval', 'decide_approval', 'request_approval', 'request_approval_and_wait'] as const) {
      expect(keys(App.creates[c]!), c).toEqual(expect.arrayContaining([...canKeys, 'viewer_can.cancel.allowed', 'viewer_can.cancel.reason']));
    }
    expect(keys(App.searches.find_approval!)).toEqual(expect.arrayContaining(canKeys));
    for (const t of ['new_approval', 'approval_decided'] as const) expect(keys(App.triggers[t]!).filter((k) => k.startsWith('viewer_can')), t).toEqual([]);
  });
});

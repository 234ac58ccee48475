import { describe, expect, it } from 'vitest';
import { compileGlob, compileRuleSet, firstMatch, GlobError, type RoutableRequest, type StoredRule } from './routing.ts';

const request = (over: Partial<RoutableRequest> = {}): RoutableRequest => ({ action_type: null, priority: 'medium', source: null, tags: {}, connection_id: null, ...over });
const rule = (name: string, match: StoredRule['match'], enabled = true): StoredRule => ({
  id: name,
  position: 0,
  name,
  enabled,
  match,
  action: { approvers: { user_ids: ['u'], team_ids: [] } },
});

describe('the routing matcher', () => {
  it.each([
    ['deploy.*', 'deploy.production', true],
    ['deploy.*', 'deploy.eu.production', true],
    ['deploy.*', 'deploy', false],
    ['deploy.*', 'predeploy.production', false],
    ['*.delete', 'user.delete', true],
    ['invoice.{pay,refund}', 'invoice.refund', true],
    ['invoice.{pay,refund}', 'invoice.void', false],
    ['ci/*', 'ci/github', true],
    ['ci/*', 'ci/github/x', false],
    ['ci/**', 'ci/github/x', true],
    ['db.migrate?', 'db.migrate2', true],
    ['Deploy.*', 'deploy.x', false],
  ] as const)('%s against %s: %s', (glob, value, matches) => {
    expect(compileGlob(glob)(value)).toBe(matches);
  });

  it.each(['deploy.[', 'a{b', '(x', '[z-a]', '!deploy.*'])('refuses the malformed glob %s', (glob) => {
    expect(() => compileGlob(glob)).toThrow(GlobError);
  });

  it('first enabled match wins; every condition of a rule must hold', () => {
    const set = compileRuleSet(3, [
      rule('off', {}, false),
      rule('critical deploys', { action_type: 'deploy.*', priority: 'critical' }),
      rule('deploys', { action_type: 'deploy.*' }),
      rule('tagged', { tags: { all: { env: 'prod' }, any: { team: 'a', squad: 'b' } } }),
      rule('from ci', { source: 'github-*', connection_ids: ['c1'] }),
      rule('listed priorities', { priority: ['high', 'low'] }),
    ]);
    const name = (r: Partial<RoutableRequest>) => firstMatch(set, request(r))?.name ?? null;
    expect(name({ action_type: 'deploy.prod', priority: 'critical' })).toBe('critical deploys');
    expect(name({ action_type: 'deploy.prod' })).toBe('deploys');
    expect(name({ tags: { env: 'prod', squad: 'b' } })).toBe('tagged');
    expect(name({ tags: { env: 'prod' } })).toBeNull();
    expect(name({ tags: { squad: 'b' } })).toBeNull();
    expect(name({ source: 'github-actions', connection_id: 'c1' })).toBe('from ci');
    expect(name({ source: 'github-actions', connection_id: 'c2' })).toBeNull();
    expect(name({ source: 'github-actions' })).toBeNull();
    expect(name({ priority: 'low' })).toBe('listed priorities');
    expect(name({ priority: 'medium' })).toBeNull();
    expect(firstMatch(compileRuleSet(1, [rule('all', {})]), request())?.name).toBe('all');
  });
});

/**
 * The policy cache compiles an org's set once per version: creates that miss it together, or a cache
 * cleared without a change, get the set compiled already; a saved change gets the new one. Runs on
 * PGlite and on Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_NEVER_WITHOUT_PERSON } from '@greenlight/contract';
import { openTestDatabase, seedOrg, type TestDatabase } from '../../testing/harness.ts';
import { replacePolicySet } from '../../modules/policies/policies.ts';
import { PolicyCache } from './policy-cache.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await openTestDatabase();
}, 60_000);
afterAll(() => t.drop(), 60_000);

const text = (n: number) => `@id("p${n}")\nforbid (principal, action, resource) when { resource.priority == "low" };\n`;

describe('PolicyCache', () => {
  it('compiles a version once: concurrent misses, a cleared cache and a lapsed entry share it; a change compiles the new one', async () => {
    const seed = await seedOrg(t.db);
    const save = (n: number) => replacePolicySet({ db: t.db, policies: new PolicyCache() }, seed.org.id, { source: text(n), never_without_person: DEFAULT_NEVER_WITHOUT_PERSON }, { type: 'system', name: 'policy cache test' });
    await save(1);
    const cache = new PolicyCache(0);
    const [a, b, c] = await Promise.all([cache.setOf(t.db, seed.org.id), cache.setOf(t.db, seed.org.id), cache.setOf(t.db, seed.org.id)]);
    expect(a.policies.map((p) => p.id)).toEqual(['p1']);
    expect(b).toBe(a);
    expect(c).toBe(a);
    cache.clear();
    expect(await cache.setOf(t.db, seed.org.id)).toBe(a);
    await save(2);
    const changed = await cache.setOf(t.db, seed.org.id);
    expect(changed).not.toBe(a);
    expect(changed.policies.map((p) => p.id)).toEqual(['p2']);
    expect(changed.version).toBeGreaterThan(a.version);
  });
});

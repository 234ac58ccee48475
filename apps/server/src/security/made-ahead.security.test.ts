/**
 * What is made ahead (secrets and tokens a request's way needs: made-ahead.ts) is handed out once and
 * only once, and never sealed under keys that were replaced since it was made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSecretKeys, parseKey, SecretKeys } from './sealed.ts';
import { TEST_SECRET_KEY } from '../testing/harness.ts';
import { madeAhead } from './made-ahead.ts';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
let counter = 0;

describe('values made ahead', () => {
  const installed = new SecretKeys(parseKey(TEST_SECRET_KEY));
  beforeAll(() => installSecretKeys(installed));
  // Test files share a process: leave the keys every test server installs.
  afterAll(() => installSecretKeys(new SecretKeys(parseKey(TEST_SECRET_KEY))));

  it('are each handed out once, within a turn, past what is kept, and across turns', async () => {
    const take = madeAhead(3, (keys) => keys.seal(`value-${counter++}`));
    const taken: string[] = [take()];
    await nextTurn(); // three are made ahead: the next five take them and make two of their own
    for (let i = 0; i < 5; i++) taken.push(take());
    for (let i = 0; i < 5; i++) {
      await nextTurn();
      taken.push(take(), take());
    }
    expect(new Set(taken).size).toBe(taken.length);
    expect(new Set(taken.map((s) => installed.open(s))).size).toBe(taken.length);
  });

  it('are made on a later turn, not by the call that finds them missing', async () => {
    const made: number[] = [];
    const take = madeAhead(2, () => (made.push(made.length), made.length));
    take();
    expect(made).toHaveLength(1); // the caller's own
    await nextTurn();
    expect(made).toHaveLength(3);
    take();
    take();
    expect(made).toHaveLength(3); // both were waiting
  });

  it('are dropped when the keys they were sealed under are replaced', async () => {
    const take = madeAhead(4, (keys) => keys.seal('whsec_x'));
    take();
    await nextTurn(); // four made under `installed`
    const replaced = new SecretKeys(Buffer.alloc(32, 9));
    installSecretKeys(replaced);
    for (let i = 0; i < 4; i++) {
      const taken = take();
      expect(replaced.open(taken)).toBe('whsec_x');
      expect(() => installed.open(taken)).toThrow(/not configured/);
    }
    installSecretKeys(installed);
  });
});

/**
 * The channels a person may choose in their preferences (the contract's PERSON_CHANNELS) are exactly the
 * registered channels that tell people: a new one is chosen by the name it registers, and a name in the
 * contract that no channel answers to would be a choice that reaches nobody.
 */
import { expect, it } from 'vitest';
import { PERSON_CHANNELS } from '@greenlight/contract';
import { loadConfig } from '../config.ts';
import { channels } from './index.ts';

it('every person channel of the contract is registered, and every registered people channel is in the contract', () => {
  const config = loadConfig({ GREENLIGHT_DATABASE_URL: 'postgres://unused@127.0.0.1/unused' });
  const registered = channels({ config, sender: { send: async () => ({}) } as never }).flatMap((c) => (c.people ? [c.people.preference] : []));
  expect([...registered].sort()).toEqual([...PERSON_CHANNELS].sort());
});

import { describe, expect, it } from 'vitest';
import { parseScimFilter } from './filter.ts';

describe('SCIM filters that cannot be parsed', () => {
  it.each(['', 'userName', 'userName eq', 'userName eq "a" and', 'userName zz "a"', '(userName eq "a"', 'emails[type eq "work"', 'userName eq "unterminated', 'and or not'])(
    '%j is 400 invalidFilter',
    (filter) => {
      let thrown: unknown;
      try {
        parseScimFilter(filter);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toMatchObject({ status: 400, details: { scimType: 'invalidFilter' } });
    },
  );

  it('a filter longer than the limit is refused before parsing', () => {
    expect(() => parseScimFilter(`userName eq "${'a'.repeat(2000)}"`)).toThrow(/longer than/);
  });
});

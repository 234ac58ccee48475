/** The filter examples of RFC 7644 §3.4.2.2, and Okta's and Entra's, tested on a User as RFC 7643 §8.2 shows one. */
import { describe, expect, it } from 'vitest';
import { parseScimFilter } from './filter.ts';

const bjensen = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: '701984',
  userName: 'bjensen@example.com',
  name: { formatted: "Ms. Barbara J Jensen, III", familyName: "O'Malley", givenName: 'Barbara' },
  displayName: 'Babs Jensen',
  title: 'Tour Guide',
  userType: 'Employee',
  active: true,
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  ims: [{ value: 'someaimhandle', type: 'aim' }],
  meta: { resourceType: 'User', created: '2010-01-23T04:56:22Z', lastModified: '2011-05-13T04:42:34Z' },
};

const matches = (filter: string) => parseScimFilter(filter)(bjensen);

describe('SCIM filters (RFC 7644 §3.4.2.2)', () => {
  it.each([
    ['userName eq "bjensen@example.com"', true],
    ['userName eq "BJensen@Example.com"', true],
    ['userName eq "bjensen"', false],
    [`name.familyName co "O'Malley"`, true],
    ['userName sw "J"', false],
    ['userName sw "b"', true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName sw "B"', true],
    ['title pr', true],
    ['nickName pr', false],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', true],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', false],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', true],
    ['title pr and userType eq "Employee"', true],
    ['title pr or userType eq "Intern"', true],
    ['userType eq "Intern" or title eq "Nobody"', false],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")', true],
    ['userType eq "Employee" and (emails.value co "example.com" or emails.value co "example.org")', true],
    ['userType ne "Employee" and not (emails.value co "example.com" or emails.value co "example.org")', false],
    ['userType eq "Employee" and (emails.type eq "work")', true],
    ['userType eq "Employee" and emails[type eq "work" and value co "@example.com"]', true],
    ['emails[type eq "work" and value co "@example.org"] or ims[type eq "xmpp" and value co "@foo.com"]', false],
    ['active eq true', true],
    ['active eq false', false],
  ])('%s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it.each([
    ['externalId eq "701984"', true],
    ['externalId eq "701985"', false],
    ['emails[type eq "work"].value eq "BJENSEN@example.com"', true],
    ['emails[type eq "home"].value eq "bjensen@example.com"', false],
    ['emails[type eq "home" and value eq "bjensen@example.com"]', false],
    ['emails[type eq "home" and value eq "babs@jensen.org"]', true],
    ['displayName eq "babs jensen"', true],
    ['id eq "2819c223-7f76-453a-919d-413861904646"', true],
  ])('as Okta and Entra send them: %s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  it('compares externalId case-exactly, as RFC 7643 declares it', () => {
    expect(parseScimFilter('externalId eq "abc"')({ externalId: 'ABC' })).toBe(false);
  });
});

import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { listGrants as readGrants, toGrant } from '../../core/deciders/grant.ts';

const TOKEN_PREFIX = 'grant:';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const badToken = () => new ApiError('INVALID_PAGE_TOKEN', 'page_token is not one this list answered');

/** A cursor names the last grant of a page; only a grant of this org is one (checked when read). */
const encodeCursor = (id: string) => Buffer.from(TOKEN_PREFIX + id).toString('base64url');
function decodeCursor(token: string): string {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const id = text.startsWith(TOKEN_PREFIX) ? text.slice(TOKEN_PREFIX.length) : '';
  if (!UUID.test(id)) throw badToken();
  return id;
}

/** `GET /api/v1/grants`: a page of the grants the caller may see (core/deciders/grant.ts says which), newest first. */
export const listGrants: Handler<Routes['listGrants']> = async ({ query, auth, deps }) => {
  const after = query.page_token === undefined ? null : decodeCursor(query.page_token);
  let givenBy: string | null = query.given_by ?? null;
  if (givenBy === 'me') {
    if (!auth.user) {
      throw new ApiError('VALIDATION_ERROR', 'given_by: "me" names a person, and an API key is none', {
        location: 'query',
        issues: [{ path: 'given_by', code: 'custom', message: '"me" names a person, and an API key is none' }],
      });
    }
    givenBy = auth.user.id;
  }
  const rows = await readGrants(deps.db, auth.org.id, auth, { status: query.status, givenBy, after, limit: query.page_size + 1 });
  if (rows === null) throw badToken();
  const page = rows.slice(0, query.page_size);
  return {
    status: 200,
    body: { data: page.map((g) => toGrant(g, auth)), next_page_token: rows.length > query.page_size ? encodeCursor(page[page.length - 1]!.id) : null },
  };
};

import type { AuthContext } from '../../context.ts';
import { ApiError } from '../../errors.ts';

export type SignedInUser = NonNullable<AuthContext['user']>;

/**
 * Account and organization management is for people signed in to the dashboard (a session).
 * API keys and OAuth grants are held by automations: even an admin's grant or an all-scope key
 * cannot change the org, its members or its credentials, so a leaked integration token cannot
 * turn the stop off or mint itself a new key.
 */
export function assertSignedIn(auth: AuthContext, who = 'a person'): SignedInUser {
  if (auth.connection !== null || !auth.user) {
    throw new ApiError('FORBIDDEN', `only ${who} signed in to the dashboard can do this; API keys and OAuth tokens cannot`);
  }
  return auth.user;
}

/** Organization administration (emergency stop, OAuth clients, members, others' connections): admins only. */
export function assertSignedInAdmin(auth: AuthContext): SignedInUser {
  const user = assertSignedIn(auth, 'an admin');
  if (user.role !== 'admin') throw new ApiError('FORBIDDEN', `only admins can do this; you are ${user.role}`);
  return user;
}

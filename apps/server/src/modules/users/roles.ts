import type { AuthContext } from '../../http/auth.ts';
import { ApiError } from '../../http/errors.ts';

/**
 * Organization administration (emergency stop, OAuth clients) is for admins signed in to the
 * dashboard. API keys and OAuth grants are held by automations: even an admin's grant cannot
 * change the org, so a leaked integration token cannot turn the stop off (SECURITY.md 28).
 */
export function assertSignedInAdmin(auth: AuthContext): void {
  if (auth.connection !== null || !auth.user) {
    throw new ApiError('FORBIDDEN', 'only an admin signed in to the dashboard can do this; API keys and OAuth tokens cannot');
  }
  if (auth.user.role !== 'admin') throw new ApiError('FORBIDDEN', `only admins can do this; you are ${auth.user.role}`);
}

import { ApiError } from '../../errors.ts';
import { AlreadyMemberError, LastAdminError } from './members.ts';

/** Turns the domain refusals of members.ts into API errors (the member routes' handlers call through it). */
export async function refusals<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof LastAdminError) throw new ApiError('LAST_ADMIN', err.message);
    if (err instanceof AlreadyMemberError) throw new ApiError('ALREADY_MEMBER', err.message);
    throw err;
  }
}

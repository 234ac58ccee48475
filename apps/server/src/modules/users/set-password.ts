import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import { changePassword, CurrentPasswordRequiredError, TooManyAttemptsError, WrongPasswordError } from './change-password.ts';

const currentPasswordError = (message: string, issue: string) =>
  new ApiError('VALIDATION_ERROR', message, { location: 'body', issues: [{ path: 'current_password', code: 'custom', message: issue }] });

/**
 * `POST /api/v1/me/password`: a person signed in to the dashboard sets or changes their password.
 * Never through an API key or an OAuth token: an integration must not be able to take over its user.
 */
export const setPassword: Handler<Routes['setPassword']> = async ({ auth, body, deps }) => {
  try {
    const { otherSessionsEnded } = await changePassword(deps, {
      userId: auth.principal.id,
      currentPassword: body.current_password,
      newPassword: body.new_password,
      keepSessionHash: auth.sessionTokenHash,
    });
    return { status: 200, body: { password_set: true, other_sessions_ended: otherSessionsEnded } };
  } catch (err) {
    if (err instanceof CurrentPasswordRequiredError) throw currentPasswordError('current_password is required', err.message);
    if (err instanceof WrongPasswordError) throw currentPasswordError('current_password is wrong', err.message);
    if (err instanceof TooManyAttemptsError) {
      throw new ApiError('RATE_LIMITED', `${err.message}; retry in ${err.retryAfterSeconds} s`, undefined, { 'Retry-After': String(err.retryAfterSeconds) });
    }
    throw err;
  }
};

import type { Routes } from '@greenlight/contract';
import type { Handler } from '../../context.ts';

export const getMe: Handler<Routes['getMe']> = async ({ auth, deps }) => ({
  status: 200,
  body: {
    org: auth.org,
    connection: auth.connection && { ...auth.connection, created_at: auth.connection.created_at.toISOString() },
    user: auth.user,
    scopes: auth.scopes,
    notifications: { email: deps.config.mail !== null },
  },
});

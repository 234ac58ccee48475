import type { Bundle, HttpRequestOptions, ZObject } from 'zapier-platform-core';
import type { z as zod } from '@greenlight/contract';
import type { RequestDescriptor } from '@greenlight/triggers';
import { errorFor } from './middleware.ts';

/**
 * Where this Zapier app's Greenlight lives. OAuth clients are registered per organization, so each
 * deployment of the app is configured with `zapier env:set` (GREENLIGHT_BASE_URL, CLIENT_ID,
 * CLIENT_SECRET); read at call time so tests can point it elsewhere.
 */
export function baseUrl(): string {
  const url = process.env.GREENLIGHT_BASE_URL;
  if (!url) throw new Error('GREENLIGHT_BASE_URL is not set: run `zapier env:set <version> GREENLIGHT_BASE_URL=https://…`');
  return url.replace(/\/+$/, '');
}

export const apiUrl = (path: string) => `${baseUrl()}${path}`;

/** Parses a response body with the contract's schema, so a wire change fails loudly here and not in a Zap. */
export function parseBody<T>(schema: zod.ZodType<T>, data: unknown, what: string): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? ` at ${first.path.join('.')}` : '';
    throw new Error(`Greenlight answered an unexpected ${what}${where}: ${first?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/**
 * Performs a trigger-layer descriptor with `z.request`. Statuses listed as success come back as
 * `{status, data}`; every other status is left to the `after` middleware, which raises the error the
 * Zap user should see.
 */
export async function perform(z: ZObject, d: RequestDescriptor): Promise<{ status: number; data: unknown }> {
  const options: HttpRequestOptions & { url: string } = {
    url: apiUrl(d.path),
    method: d.method,
    ...(d.query ? { params: d.query } : {}),
    ...(d.body !== undefined ? { body: d.body as Record<string, unknown> } : {}),
    // 404 on unsubscribe is success; the middleware skips responses marked like this.
    ...(d.successStatuses.some((s) => s >= 400) ? { skipThrowForStatus: true } : {}),
  };
  const response = await z.request(options);
  if (!d.successStatuses.includes(response.status)) throw errorFor(z, response) ?? new Error(`Greenlight answered ${response.status}`);
  return { status: response.status, data: response.status === 204 ? null : response.data };
}

/** The JSON body of a successful call: what `@greenlight/triggers` calls a `JsonRequester`. */
export const requester = (z: ZObject) => async (d: RequestDescriptor) => (await perform(z, d)).data;

/** Input values arrive as strings, numbers or booleans depending on the Zap editor; never trust the type. */
export const str = (bundle: Bundle, key: string): string | undefined => {
  const v = bundle.inputData[key];
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
};

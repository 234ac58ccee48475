/**
 * A platform-neutral HTTP call. Each platform turns it into its own request (n8n's
 * `httpRequestWithAuthentication`, Zapier's `z.request`, a Make communication) and adds the base
 * URL and the credentials; the trigger layer only says what to call.
 */
export interface RequestDescriptor {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under the base URL, parameters already substituted and encoded. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Statuses that count as success. A 404 on unsubscribe does: the subscription is gone either way. */
  successStatuses: readonly number[];
}

/** Performs a GET descriptor and answers the parsed JSON body; throws on a non-success status. */
export type JsonRequester = (request: RequestDescriptor) => Promise<unknown>;

export const pathOf = (template: string, params: Record<string, string>): string =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });

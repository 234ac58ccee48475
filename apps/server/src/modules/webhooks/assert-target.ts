import type { Config } from '../../config.ts';
import { ApiError } from '../../errors.ts';
import { checkTarget, TargetRefused, type HostLookup } from '../../channels/webhook/ssrf.ts';

/**
 * The SSRF guard at creation (callback_url, webhook url): refuses now what delivery would refuse
 * later, so the requester learns it at once. A host name that does not resolve yet is accepted —
 * DNS may be set up after the hook — because every delivery checks the target again anyway and that
 * check, not this one, is what protects the network.
 */
export async function assertDeliverableUrl(
  url: string,
  field: string,
  config: Pick<Config, 'callbackAllowCidrs'>,
  lookup?: HostLookup,
): Promise<void> {
  try {
    await checkTarget(url, { allowCidrs: config.callbackAllowCidrs, lookup, lookupTimeoutMs: 3000 });
  } catch (err) {
    if (!(err instanceof TargetRefused)) throw err;
    if (err.kind === 'dns') return;
    const message = `${field}: ${err.message}`;
    throw new ApiError('VALIDATION_ERROR', message, {
      location: 'body',
      issues: [{ path: field, code: 'custom', message: err.message }],
    });
  }
}

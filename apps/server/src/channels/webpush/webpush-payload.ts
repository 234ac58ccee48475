/**
 * What a push message carries to the dashboard's service worker (apps/web/public/sw.js reads it): the
 * notification to show, the request page a tap opens, and, when the person may decide, one single-use
 * token per action (a decision link of channel `webpush`: bound to the request, the person and the
 * decision; modules/decision-links). The action POSTs its token to WEBPUSH_DECIDE_PATH; nothing in a
 * notification is a URL that decides when fetched.
 *
 * Push services take at most 4096 bytes of ciphertext (RFC 8030 §7.2; RFC 8291 leaves 3993 of
 * plaintext in one record): a payload is kept within MAX_PAYLOAD_BYTES of UTF-8, whatever the request's
 * text holds, by cutting its description, then its title.
 */
import { z } from 'zod';
import { cut } from '../chat-words.ts';
import { when } from '../email/email-messages.ts';
import type { RequestShown } from '../notification-content.ts';

/** Where the service worker POSTs an action's token (modules/webpush/decide.ts); same origin as the dashboard. */
export const WEBPUSH_DECIDE_PATH = '/channels/webpush/decide';

export const MAX_PAYLOAD_BYTES = 3072;

export const PushAction = z.object({ action: z.enum(['approve', 'reject']), title: z.string(), token: z.string() });

export const PushPayload = z.object({
  v: z.literal(1),
  kind: z.enum(['approval_request', 'reminder']),
  approval_id: z.uuid(),
  title: z.string(),
  body: z.string(),
  /** The request's page (same origin): what a tap on the notification opens. */
  url: z.string(),
  /** One notification per request on a device: a reminder replaces it. */
  tag: z.string(),
  actions: z.array(PushAction),
  decide_url: z.string(),
});
export type PushPayload = z.infer<typeof PushPayload>;

export function pushPayload(input: {
  kind: 'approval_request' | 'reminder';
  approval: Pick<RequestShown, 'id' | 'title' | 'priority' | 'description' | 'requested_by_name' | 'expires_at' | 'org_name'>;
  tokens: { approve: string | null; reject: string | null } | null;
  refusal: string | null;
}): PushPayload {
  const a = input.approval;
  const body = (description: number) =>
    [
      `${a.priority} · ${cut(a.requested_by_name ?? 'An automation', 80)} in ${cut(a.org_name, 80)}`,
      a.expires_at ? `Expires ${when(a.expires_at)}` : null,
      input.refusal ? cut(input.refusal, 300) : a.description && description > 0 ? cut(a.description.replace(/\s+/g, ' '), description) : null,
    ]
      .filter((l): l is string => l !== null)
      .join('\n');
  const actions: PushPayload['actions'] = [];
  if (input.tokens?.approve) actions.push({ action: 'approve', title: 'Approve', token: input.tokens.approve });
  if (input.tokens?.reject) actions.push({ action: 'reject', title: 'Reject', token: input.tokens.reject });
  const title = (max: number) => cut(`${input.kind === 'reminder' ? 'Reminder: ' : ''}${a.title.replace(/[\r\n]+/g, ' ')}`, max);
  const payload = (titleMax: number, descriptionMax: number): PushPayload => ({
    v: 1,
    kind: input.kind,
    approval_id: a.id,
    title: title(titleMax),
    body: body(descriptionMax),
    url: `/requests/${a.id}`,
    tag: `greenlight-request-${a.id}`,
    actions,
    decide_url: WEBPUSH_DECIDE_PATH,
  });
  // Long text in many-byte characters (or many escapes) is cut further until the whole fits.
  for (const [t, d] of [[200, 600], [200, 300], [120, 120], [80, 0], [40, 0]] as const) {
    const p = payload(t, d);
    if (Buffer.byteLength(JSON.stringify(p)) <= MAX_PAYLOAD_BYTES) return p;
  }
  return payload(20, 0);
}

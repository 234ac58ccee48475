/**
 * The emails Greenlight sends, each as a plain-text and an HTML part. Every value that came from a
 * request or a person is escaped in the HTML part (escapeHtml); a request's description is its
 * markdown rendered with nothing that can link, load or run (email-markdown.ts), and stays as
 * written in the plain-text part. The HTML is a single column of at most 600 px with inline styles
 * only (mail clients drop style sheets), readable on a phone.
 */
import type { ApprovalRow } from '../../core/approval-record.ts';
import { escapeHtml } from '../../core/text.ts';
import type { OutgoingEmail } from './email-sender.ts';
import { descriptionHtml } from './email-markdown.ts';

export type RenderedEmail = Omit<OutgoingEmail, 'to' | 'messageId'>;

/** No line breaks in a subject: they would end the header. */
const oneLine = (s: string, max = 150): string => {
  const flat = s.replace(/[\r\n\t]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** A time as every notification shows it: to the minute, in UTC. */
export const when = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const json = (v: unknown): string => (v === undefined ? '—' : JSON.stringify(v));

/** The before/after object as rows of (field, before, after), fields in the order they first appear. */
export function changeRows(changes: ApprovalRow['changes']): { field: string; before: string; after: string; changed: boolean }[] {
  if (!changes) return [];
  const before = changes.before ?? {};
  const after = changes.after ?? {};
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return fields.map((field) => {
    const b = json(before[field]);
    const a = json(after[field]);
    return { field, before: b, after: a, changed: b !== a };
  });
}

const button = (href: string, label: string, color: string): string =>
  `<a href="${escapeHtml(href)}" style="display:inline-block;margin:0 8px 8px 0;padding:12px 20px;border-radius:6px;background:${color};color:#ffffff;font-weight:600;text-decoration:none">${escapeHtml(label)}</a>`;

function layout(title: string, inner: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7">
<div style="max-width:600px;margin:0 auto;padding:16px;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1f2328">
<div style="background:#ffffff;border-radius:8px;padding:20px">
${inner}
</div>
<p style="font-size:12px;color:#6b7280;margin:12px 4px">Sent by Greenlight. You receive this because you are a member of an organization on it.</p>
</div></body></html>`;
}

export interface ApprovalEmailInput {
  approval: Pick<ApprovalRow, 'id' | 'title' | 'description' | 'priority' | 'requested_by_name' | 'expires_at' | 'changes' | 'action_type'>;
  orgName: string;
  links: { approve: string; reject: string; open: string };
  linksExpireAt: Date;
  /** A reminder of a request that still waits for this person. */
  reminder?: boolean;
}

/** The message that asks one person to decide one request, or reminds them that it still waits. */
export function approvalRequestEmail(input: ApprovalEmailInput): RenderedEmail {
  const a = input.approval;
  const requester = a.requested_by_name ?? 'An automation';
  const expiry = a.expires_at ? when(a.expires_at) : 'no expiry';
  const rows = changeRows(a.changes);
  const subject = oneLine(`[${a.priority}] ${input.reminder ? 'Reminder: approval still needed' : 'Approval needed'}: ${a.title}`);
  const lead = input.reminder
    ? `Reminder: ${requester} still waits for your approval in ${input.orgName}.`
    : `${requester} asks for your approval in ${input.orgName}.`;

  const text = [
    lead,
    '',
    a.title,
    `Priority: ${a.priority}`,
    `Requested by: ${requester}`,
    ...(a.action_type ? [`Action: ${a.action_type}`] : []),
    `Expires: ${expiry}`,
    '',
    ...(a.description ? [a.description, ''] : []),
    ...(rows.length > 0 ? ['Changes (before → after):', ...rows.map((r) => `  ${r.field}: ${r.before} → ${r.after}`), ''] : []),
    `Approve: ${input.links.approve}`,
    `Reject: ${input.links.reject}`,
    `Open in Greenlight: ${input.links.open}`,
    '',
    `The Approve and Reject links ask you to confirm before anything is decided. They are yours only, work once, and expire ${when(input.linksExpireAt)}.`,
  ].join('\n');

  const detail = (label: string, value: string) =>
    `<tr><td style="padding:2px 12px 2px 0;color:#6b7280;white-space:nowrap;vertical-align:top">${escapeHtml(label)}</td><td style="padding:2px 0">${escapeHtml(value)}</td></tr>`;
  const changesTable =
    rows.length === 0
      ? ''
      : `<h2 style="font-size:16px;margin:20px 0 8px">Changes</h2>
<table style="width:100%;border-collapse:collapse;font-size:14px;table-layout:fixed">
<tr><th style="text-align:left;padding:6px;border-bottom:1px solid #d0d7de">Field</th><th style="text-align:left;padding:6px;border-bottom:1px solid #d0d7de">Before</th><th style="text-align:left;padding:6px;border-bottom:1px solid #d0d7de">After</th></tr>
${rows
  .map(
    (r) =>
      `<tr${r.changed ? ' style="background:#fff8c5"' : ''}><td style="padding:6px;border-bottom:1px solid #eaeef2;word-break:break-word">${escapeHtml(r.field)}</td><td style="padding:6px;border-bottom:1px solid #eaeef2;word-break:break-word;font-family:monospace">${escapeHtml(r.before)}</td><td style="padding:6px;border-bottom:1px solid #eaeef2;word-break:break-word;font-family:monospace">${escapeHtml(r.after)}</td></tr>`,
  )
  .join('\n')}
</table>`;
  const html = layout(
    subject,
    `<p style="margin:0 0 12px;color:#6b7280">${escapeHtml(lead)}</p>
<h1 style="font-size:20px;margin:0 0 12px">${escapeHtml(a.title)}</h1>
<table style="border-collapse:collapse;font-size:14px;margin-bottom:12px">
${detail('Priority', a.priority)}
${detail('Requested by', requester)}
${a.action_type ? detail('Action', a.action_type) : ''}
${detail('Expires', expiry)}
</table>
${a.description ? `<div style="word-break:break-word;background:#f6f8fa;border-radius:6px;padding:4px 12px;font-size:14px">${descriptionHtml(a.description)}</div>` : ''}
${changesTable}
<p style="margin:20px 0 4px">
${button(input.links.approve, 'Approve', '#1a7f37')}${button(input.links.reject, 'Reject', '#cf222e')}${button(input.links.open, 'Open in Greenlight', '#57606a')}
</p>
<p style="font-size:13px;color:#6b7280;margin:8px 0 0">Approve and Reject ask you to confirm before anything is decided. These links are yours only, work once, and expire ${escapeHtml(when(input.linksExpireAt))}.</p>`,
  );
  return { subject, text, html };
}

export interface ExecutionReceiptEmailInput {
  approval: Pick<ApprovalRow, 'id' | 'title' | 'action_type' | 'decided_at'>;
  orgName: string;
  receipt: { status: 'started' | 'succeeded' | 'failed'; message: string | null; url: string | null; reportedBy: string | null; reportedAt: Date };
  open: string;
}

const RECEIPT_HEADLINE = { started: 'Started', succeeded: 'Succeeded', failed: 'Failed' } as const;
const RECEIPT_COLOR = { started: '#57606a', succeeded: '#1a7f37', failed: '#cf222e' } as const;

/**
 * An execution receipt, to someone who approved the request: what the automation did with the
 * approval. The receipt's link is shown as its full address (the automation chose it, so the reader
 * sees where it goes before following it).
 */
export function executionReceiptEmail(input: ExecutionReceiptEmailInput): RenderedEmail {
  const { approval: a, receipt: r } = input;
  const by = r.reportedBy ?? 'The automation';
  const subject = oneLine(`[${r.status}] Execution of: ${a.title}`);
  const lead = `${by} reported what it did with a request you approved in ${input.orgName}.`;
  const text = [
    lead,
    '',
    a.title,
    ...(a.action_type ? [`Action: ${a.action_type}`] : []),
    ...(a.decided_at ? [`Approved: ${when(a.decided_at)}`] : []),
    `Execution: ${r.status}`,
    ...(r.message ? [`Message: ${r.message}`] : []),
    ...(r.url ? [`Link: ${r.url}`] : []),
    `Reported: ${when(r.reportedAt)} by ${by}`,
    '',
    `Open in Greenlight: ${input.open}`,
  ].join('\n');
  const detail = (label: string, value: string) =>
    `<tr><td style="padding:2px 12px 2px 0;color:#6b7280;white-space:nowrap;vertical-align:top">${escapeHtml(label)}</td><td style="padding:2px 0;word-break:break-word">${value}</td></tr>`;
  const html = layout(
    subject,
    `<p style="margin:0 0 12px;color:#6b7280">${escapeHtml(lead)}</p>
<h1 style="font-size:20px;margin:0 0 12px">${escapeHtml(a.title)}</h1>
<p style="margin:0 0 12px"><span style="display:inline-block;padding:4px 10px;border-radius:12px;background:${RECEIPT_COLOR[r.status]};color:#ffffff;font-weight:600">${RECEIPT_HEADLINE[r.status]}</span></p>
<table style="border-collapse:collapse;font-size:14px;margin-bottom:12px">
${a.action_type ? detail('Action', escapeHtml(a.action_type)) : ''}
${a.decided_at ? detail('Approved', escapeHtml(when(a.decided_at))) : ''}
${r.message ? detail('Message', `<span style="white-space:pre-wrap">${escapeHtml(r.message)}</span>`) : ''}
${r.url ? detail('Link', `<a href="${escapeHtml(r.url)}" style="color:#0969da">${escapeHtml(r.url)}</a>`) : ''}
${detail('Reported', escapeHtml(`${when(r.reportedAt)} by ${by}`))}
</table>
<p style="margin:20px 0 4px">${button(input.open, 'Open in Greenlight', '#57606a')}</p>`,
  );
  return { subject, text, html };
}

export interface WaiterGoneEmailInput {
  approval: Pick<ApprovalRow, 'id' | 'title' | 'action_type' | 'created_at'>;
  orgName: string;
  reason: string;
  since: Date;
  open: string;
}

/**
 * To the requester: the automation that asked no longer waits for the answer (its callback target is
 * gone), so deciding it would reach nobody; cancel it, or restart whatever waits.
 */
export function waiterGoneEmail(input: WaiterGoneEmailInput): RenderedEmail {
  const a = input.approval;
  const subject = oneLine(`Nobody is waiting for this answer: ${a.title}`);
  const lead = `The automation behind your request in ${input.orgName} no longer waits for its answer: ${input.reason}.`;
  const advice = 'A decision would reach nobody. Cancel the request if it is no longer needed, or restart the automation that should wait for it.';
  const text = [
    lead,
    '',
    a.title,
    ...(a.action_type ? [`Action: ${a.action_type}`] : []),
    `Requested: ${when(a.created_at)}`,
    `Nobody waiting since: ${when(input.since)}`,
    '',
    advice,
    '',
    `Open (and cancel) in Greenlight: ${input.open}`,
  ].join('\n');
  const html = layout(
    subject,
    `<p style="margin:0 0 12px;color:#6b7280">${escapeHtml(lead)}</p>
<h1 style="font-size:20px;margin:0 0 12px">${escapeHtml(a.title)}</h1>
<table style="border-collapse:collapse;font-size:14px;margin-bottom:12px">
${a.action_type ? `<tr><td style="padding:2px 12px 2px 0;color:#6b7280">Action</td><td>${escapeHtml(a.action_type)}</td></tr>` : ''}
<tr><td style="padding:2px 12px 2px 0;color:#6b7280">Requested</td><td>${escapeHtml(when(a.created_at))}</td></tr>
<tr><td style="padding:2px 12px 2px 0;color:#6b7280">Nobody waiting since</td><td>${escapeHtml(when(input.since))}</td></tr>
</table>
<p style="margin:0 0 12px">${escapeHtml(advice)}</p>
<p style="margin:20px 0 4px">${button(input.open, 'Open and cancel in Greenlight', '#57606a')}</p>`,
  );
  return { subject, text, html };
}

export interface AccountEmailInput {
  kind: 'sign_in_link' | 'invitation';
  orgName: string;
  link: string;
  expiresAt: Date;
}

/** A one-time sign-in link (a new member, account recovery) or an invitation to another org. */
export function accountEmail(input: AccountEmailInput): RenderedEmail {
  const invitation = input.kind === 'invitation';
  const subject = oneLine(invitation ? `You are invited to ${input.orgName} on Greenlight` : `Your sign-in link for ${input.orgName} on Greenlight`);
  const lead = invitation
    ? `You are invited to join ${input.orgName} on Greenlight. Open the link, signed in to your account, to accept.`
    : `Use this link to sign in to ${input.orgName} on Greenlight and choose a password.`;
  const tail = `The link works once and expires ${when(input.expiresAt)}. If you did not expect this email, ignore it.`;
  const label = invitation ? 'Accept the invitation' : 'Sign in';
  const text = [lead, '', `${label}: ${input.link}`, '', tail].join('\n');
  const html = layout(
    subject,
    `<p style="margin:0 0 16px">${escapeHtml(lead)}</p>
<p style="margin:0 0 16px">${button(input.link, label, '#1a7f37')}</p>
<p style="font-size:13px;color:#6b7280;margin:0">${escapeHtml(tail)}</p>`,
  );
  return { subject, text, html };
}

export interface KeyExpiringEmailInput {
  orgName: string;
  keyName: string;
  keyPrefix: string | null;
  expiresAt: Date;
  /** The Connections page, where the key is rotated. */
  open: string;
  /** An API key (the default) or an OAuth client: what lapses, and so what to do about it. */
  what?: 'API key' | 'rotated API key' | 'OAuth client' | 'previous secret of the OAuth client';
}

const EXPIRY_ADVICE = {
  'API key': 'Rotate it on the Connections page to get a new key while the old one still works, then put the new key in place.',
  'rotated API key': 'It was rotated and a new key replaces it: make sure everything that used this key has the new one before then.',
  'previous secret of the OAuth client':
    "Its secret was rotated: put the new secret in the application before then. The client keeps working with the new secret.",
  'OAuth client':
    'Register a new OAuth client on the Connections page and put its client ID and secret in place before then: ' +
    'the app gets no new tokens through this one once it lapses, and the tokens it has stop working.',
} as const;

/** To the admin who issued an API key or registered an OAuth client, before it stops working: what to replace, and by when. */
export function keyExpiringEmail(input: KeyExpiringEmailInput): RenderedEmail {
  const what = input.what ?? 'API key';
  const subject = oneLine(`The ${what} ${input.keyName} of ${input.orgName} expires ${when(input.expiresAt)}`);
  const lead = `The ${what} "${input.keyName}"${input.keyPrefix ? ` (${input.keyPrefix}${what.endsWith('API key') ? '…' : ''})` : ''} of ${input.orgName} on Greenlight stops working ${when(input.expiresAt)}.`;
  const advice = EXPIRY_ADVICE[what];
  const text = [lead, '', advice, '', `Open Connections: ${input.open}`].join('\n');
  const html = layout(
    subject,
    `<p style="margin:0 0 16px">${escapeHtml(lead)}</p>
<p style="margin:0 0 16px">${escapeHtml(advice)}</p>
<p style="margin:20px 0 4px">${button(input.open, 'Open Connections', '#1a7f37')}</p>`,
  );
  return { subject, text, html };
}

export interface DigestEmailInput {
  orgName: string;
  items: { title: string; priority: string; requested_by_name: string | null; created_at: Date; expires_at: Date | null; url: string }[];
  /** How many wait in all (more than `items` when the list was cut). */
  total: number;
  inboxUrl: string;
}

/** The daily digest: what waits for one person, oldest first, each with a link to open it. */
export function digestEmail(input: DigestEmailInput): RenderedEmail {
  const n = input.total;
  const subject = oneLine(`${n} ${n === 1 ? 'request waits' : 'requests wait'} for you in ${input.orgName}`);
  const line = (i: DigestEmailInput['items'][number]) =>
    `[${i.priority}] ${i.title} — ${i.requested_by_name ?? 'an automation'}, since ${when(i.created_at)}${i.expires_at ? `, expires ${when(i.expires_at)}` : ''}`;
  const more = n > input.items.length ? [`…and ${n - input.items.length} more.`] : [];
  const text = [
    `Your daily digest of ${input.orgName} on Greenlight: ${n} waiting for your decision.`,
    '',
    ...input.items.flatMap((i) => [line(i), `  ${i.url}`]),
    ...more,
    '',
    `Open your inbox: ${input.inboxUrl}`,
  ].join('\n');
  const html = layout(
    subject,
    `<h1 style="font-size:20px;margin:0 0 12px">${escapeHtml(subject)}</h1>
<ul style="padding-left:20px;margin:0 0 16px">
${input.items
  .map((i) => `<li style="margin:0 0 8px"><a href="${escapeHtml(i.url)}" style="color:#0969da">${escapeHtml(i.title)}</a><br><span style="font-size:13px;color:#6b7280">${escapeHtml(`${i.priority} · ${i.requested_by_name ?? 'an automation'} · since ${when(i.created_at)}`)}</span></li>`)
  .join('\n')}
</ul>
${more.length > 0 ? `<p style="margin:0 0 16px">${escapeHtml(more[0]!)}</p>` : ''}
<p style="margin:0">${button(input.inboxUrl, 'Open your inbox', '#57606a')}</p>`,
  );
  return { subject, text, html };
}

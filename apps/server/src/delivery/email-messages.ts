/**
 * The emails Greenlight sends, each as a plain-text and an HTML part. Every value that came from a
 * request or a person is escaped in the HTML part (escapeHtml): a request's description is shown as
 * its markdown source, line breaks kept, never as markup, so nothing in it can become a link, an
 * image that reports the open, or a form. The HTML is a single column of at most 600 px with inline
 * styles only (mail clients drop style sheets), readable on a phone.
 */
import type { ApprovalRow } from '../core/approval-record.ts';
import { escapeHtml } from '../core/text.ts';
import type { OutgoingEmail } from './email-sender.ts';

type Rendered = Omit<OutgoingEmail, 'to' | 'messageId'>;

/** No line breaks in a subject: they would end the header. */
const oneLine = (s: string, max = 150): string => {
  const flat = s.replace(/[\r\n\t]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

const when = (d: Date): string => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

const json = (v: unknown): string => (v === undefined ? '—' : JSON.stringify(v));

/** The before/after object as rows of (field, before, after), fields in the order they first appear. */
function changeRows(changes: ApprovalRow['changes']): { field: string; before: string; after: string; changed: boolean }[] {
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
}

/** The message that asks one person to decide one request. */
export function approvalRequestEmail(input: ApprovalEmailInput): Rendered {
  const a = input.approval;
  const requester = a.requested_by_name ?? 'An automation';
  const expiry = a.expires_at ? when(a.expires_at) : 'no expiry';
  const rows = changeRows(a.changes);
  const subject = oneLine(`[${a.priority}] Approval needed: ${a.title}`);

  const text = [
    `${requester} asks for your approval in ${input.orgName}.`,
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
    `<p style="margin:0 0 12px;color:#6b7280">${escapeHtml(requester)} asks for your approval in ${escapeHtml(input.orgName)}.</p>
<h1 style="font-size:20px;margin:0 0 12px">${escapeHtml(a.title)}</h1>
<table style="border-collapse:collapse;font-size:14px;margin-bottom:12px">
${detail('Priority', a.priority)}
${detail('Requested by', requester)}
${a.action_type ? detail('Action', a.action_type) : ''}
${detail('Expires', expiry)}
</table>
${a.description ? `<div style="white-space:pre-wrap;word-break:break-word;background:#f6f8fa;border-radius:6px;padding:12px;font-size:14px">${escapeHtml(a.description)}</div>` : ''}
${changesTable}
<p style="margin:20px 0 4px">
${button(input.links.approve, 'Approve', '#1a7f37')}${button(input.links.reject, 'Reject', '#cf222e')}${button(input.links.open, 'Open in Greenlight', '#57606a')}
</p>
<p style="font-size:13px;color:#6b7280;margin:8px 0 0">Approve and Reject ask you to confirm before anything is decided. These links are yours only, work once, and expire ${escapeHtml(when(input.linksExpireAt))}.</p>`,
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
export function accountEmail(input: AccountEmailInput): Rendered {
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

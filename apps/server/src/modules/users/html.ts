import type { Response } from 'express';
import { escapeHtml } from '../../core/text.ts';

export { escapeHtml };

export const hiddenInput = (name: string, value: string): string =>
  `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;

/**
 * Sends a server-rendered page, styled by the dashboard's stylesheet (/greenlight.css), that cannot
 * be framed (clickjacking on a consent page grants access: RFC 9700 §4.11) and runs no script. `formTargets` are the origins a form on the page may end up
 * at: browsers apply `form-action` to the redirect that follows a POST, so the consent page must
 * allow the client's redirect origin.
 */
export function sendPage(
  res: Response,
  status: number,
  title: string,
  body: string,
  options: { formTargets?: string[] } = {},
): void {
  const formAction = ["'self'", ...(options.formTargets ?? [])].join(' ');
  res.set({
    'Content-Security-Policy': `default-src 'none'; style-src 'self'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
  });
  res
    .status(status)
    .type('html')
    .send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Greenlight</title>
<link rel="stylesheet" href="/greenlight.css"></head>
<body class="gl-page"><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`);
}

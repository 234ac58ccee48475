/**
 * A request's description in the HTML part of an email: its markdown rendered by marked (as the
 * dashboard renders it), with nothing in it able to act. Descriptions come from automations, not
 * from people we trust, and an email is read where no policy of ours applies: a link could dress a
 * phishing address as "Approve", a remote image reports the open, a form posts anywhere. So raw HTML
 * is shown as text, a link as its text followed by its address (text, not an `<a>`), an image as its
 * alt text, and a task list's checkbox as ☐ / ☑; every other piece of text is escaped by marked.
 * The dashboard, under our CSP, sanitizes and keeps links (apps/web/src/components/markdown.tsx).
 *
 * What it does not cover: a mail client may itself turn an address written out as text into a link.
 */
import { Marked } from 'marked';
import { escapeHtml } from '../../core/text.ts';

const PRE = 'white-space:pre-wrap;word-break:break-word;background:#eef1f4;border-radius:4px;padding:8px;font-family:monospace;font-size:13px';

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html({ text }) {
      return escapeHtml(text);
    },
    link({ href, text, tokens }) {
      const label = this.parser.parseInline(tokens);
      // An autolink (`<https://…>`, or a bare address with GFM) is its own address: shown once.
      return text === href || `mailto:${text}` === href ? label : `${label} (${escapeHtml(href)})`;
    },
    image({ text }) {
      return escapeHtml(text ? `[image: ${text}]` : '[image]');
    },
    checkbox({ checked }) {
      return checked ? '☑ ' : '☐ ';
    },
    code({ text }) {
      return `<pre style="${PRE}"><code>${escapeHtml(text)}</code></pre>\n`;
    },
  },
});

/** The description as HTML for an email: markdown rendered, nothing that links, loads or runs. */
export function descriptionHtml(markdown: string): string {
  return marked.parse(markdown) as string;
}

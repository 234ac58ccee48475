import { useMemo } from 'react';
import DOMPurify from 'dompurify';
import { Marked } from 'marked';

/**
 * Descriptions come from automations, not from people we trust: markdown is rendered, then every
 * tag and attribute passes DOMPurify's allow-list (no <script>, no event handlers, no
 * `javascript:`/`data:` URLs — such an href is removed, leaving inert text). The page's CSP
 * (script-src 'self') is the second wall. Links open in a new tab without opener or referrer.
 */
const marked = new Marked({ gfm: true, breaks: true, async: false });

const purifier = DOMPurify(window);
purifier.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

export function renderMarkdown(source: string): string {
  const html = marked.parse(source) as string;
  return purifier.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'svg', 'math'],
    FORBID_ATTR: ['style'],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#|\/(?!\/))/i,
  });
}

export function Markdown({ source }: { source: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  if (!source.trim()) return <p className="muted">No description.</p>;
  return <div className="markdown" data-testid="description" dangerouslySetInnerHTML={{ __html: html }} />;
}

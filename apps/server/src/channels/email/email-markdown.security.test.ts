/**
 * A description rendered for an email: markdown becomes markup, and nothing in it links, loads an
 * image, runs or submits anything (email-markdown.ts).
 */
import { describe, expect, it } from 'vitest';
import { descriptionHtml } from './email-markdown.ts';

describe('descriptionHtml', () => {
  it.each([
    ['emphasis and code', '**Permanent** deletion of `users`', '<p><strong>Permanent</strong> deletion of <code>users</code></p>'],
    ['a list', '- one\n- two', '<ul>\n<li>one</li>\n<li>two</li>\n</ul>'],
    ['a line break', 'first\nsecond', '<p>first<br>second</p>'],
    ['a link: its text and address, as text', '[the runbook](https://example.test/run?a=1&b=2)', '<p>the runbook (https://example.test/run?a=1&amp;b=2)</p>'],
    ['a javascript: link', '[click](javascript:alert(1))', '<p>click (javascript:alert(1))</p>'],
    ['a link dressed as a button', '[**Approve**](https://evil.test/approve)', '<p><strong>Approve</strong> (https://evil.test/approve)</p>'],
    ['an autolink: its address once', '<https://example.test/x>', '<p>https://example.test/x</p>'],
    ['a bare address', 'see https://example.test/x', '<p>see https://example.test/x</p>'],
    ['an image: its alt text', '![tracking pixel](https://evil.test/p.gif)', '<p>[image: tracking pixel]</p>'],
    ['an image without alt text', '![](https://evil.test/p.gif)', '<p>[image]</p>'],
    ['a script block', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['inline HTML', 'a <img src=x onerror=alert(1)> b', '<p>a &lt;img src=x onerror=alert(1)&gt; b</p>'],
    ['a form', '<form action="https://evil.test"><button>Approve</button></form>', '&lt;form action=&quot;https://evil.test&quot;&gt;'],
    ['a task list', '- [x] backed up\n- [ ] announced', '☑ backed up'],
    ['a code block, escaped', '```\n<b>not bold</b>\n```', '<code>&lt;b&gt;not bold&lt;/b&gt;</code></pre>'],
  ])('%s', (_name, markdown, expected) => {
    const html = descriptionHtml(markdown);
    expect(html).toContain(expected);
    // Whatever the input: no element that links, loads, runs or submits.
    expect(html).not.toMatch(/<(a|img|script|form|input|button|iframe|style|link|object|embed|svg)\b/i);
    expect(html).not.toMatch(/<[^>]*\s(href|src|action|on\w+)=/i);
  });
});

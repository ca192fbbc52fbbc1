// Server text shown literally: markdownLiteral() rendered by marked (the Markdown renderer VS Code uses) gives back
// the text, with no link, emphasis, code, heading or HTML element; notificationText() leaves no `[label](target)`.
import * as assert from 'node:assert/strict';
import type { marked as Marked } from 'marked' with { 'resolution-mode': 'import' };

import { markdownLiteral, notificationText } from '../../src/editor/untrustedText';

const HOSTILE = [
  '*bold* _em_ __strong__ `code` ~~gone~~',
  '[click me](command:saKubeconfig.deleteServiceAccount?%5B%22x%22%5D)',
  '![img](https://example.invalid/x.png) <https://example.invalid>',
  '<img src=x onerror=alert(1)><b>html</b> &amp; &lt;',
  '# heading\n- item\n> quote\n1. one',
  'a\\*b back\\slash | table | ---',
];

const decode = (html: string) =>
  html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

describe('untrusted text', () => {
  let marked: typeof Marked;
  before(async () => {
    ({ marked } = await import('marked'));
  });

  for (const text of HOSTILE) {
    it(`markdownLiteral renders literally: ${JSON.stringify(text.slice(0, 40))}`, () => {
      const html = marked.parse(markdownLiteral(text), { async: false });
      // One paragraph and nothing else: no <a>, <em>, <strong>, <code>, <img>, <h1>, <ul>, <blockquote>, <b>, <del>.
      assert.match(html, /^<p>[^<]*<\/p>\n?$/, html);
      assert.equal(decode(html.replace(/^<p>|<\/p>\n?$/g, '')), text.replace(/\n/g, ' '));
    });
  }

  it("notificationText breaks VS Code's link syntax, keeps the words", () => {
    const out = notificationText('Forbidden: [run](command:x.y) and [see]( https://e.invalid)');
    assert.doesNotMatch(out, /\]\(/);
    assert.equal(out, 'Forbidden: [run] (command:x.y) and [see] ( https://e.invalid)');
    assert.equal(notificationText('plain [text] (ok)'), 'plain [text] (ok)');
  });
});

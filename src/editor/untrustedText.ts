// Text that came from a cluster or a kubeconfig (names, annotations, server messages) shown where VS Code renders
// markup: Markdown tooltips, and notifications, which turn `[label](command:…)` into links that run commands. Such
// text is shown literally, never as markup. Pure: no vscode import, unit tested.

/** ASCII punctuation: CommonMark lets a backslash escape each of them, so escaped they show as themselves. */
const MARKDOWN_PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/**
 * Markdown source that renders `text` literally: every ASCII punctuation character is backslash-escaped (no
 * emphasis, links, images, code, HTML or entities), line breaks become spaces (no headings, lists or block quotes).
 */
export function markdownLiteral(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(MARKDOWN_PUNCTUATION, (c) => `\\${c}`);
}

/**
 * Text for a notification or a dialog. VS Code renders `[label](target)` there as a link (command: links included);
 * a space between `]` and `(` keeps it plain text and still readable.
 */
export function notificationText(text: string): string {
  return text.replace(/\]\s*\(/g, '] (');
}

// axe-core (@axe-core/playwright) on the wizard's page. The page is the inner iframe of VS Code's webview iframe
// (see wizard() in harness.ts): axe is injected into every frame and the analysis is limited to that frame's #app,
// so VS Code's own workbench is not judged here. Violations come back as short readable lines for assertion messages.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

/** WCAG 2.0/2.1 A and AA, plus axe's best practices. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/** The violations axe finds in the wizard page, one line each: rule, impact, help and the first offending nodes. */
export async function wizardViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .include({ fromFrames: ['iframe.webview.ready', 'iframe#active-frame', '#app'] })
    .withTags(TAGS)
    .analyze();
  return results.violations.map(
    (v) =>
      `${v.id} (${v.impact ?? 'n/a'}): ${v.help} — ${v.nodes
        .slice(0, 3)
        .map((n) => `${n.target.join(' ')}${n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, ' ')}]` : ''}`)
        .join('; ')}`,
  );
}

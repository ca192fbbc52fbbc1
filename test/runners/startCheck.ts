// Used by `scripts/start.sh --check`: opens the running code-server in headless Chromium like a user would, clicks
// the "SA Kubeconfig" activity-bar icon, waits until the Clusters view shows contexts (or its welcome text when the
// kubeconfig has none), and saves a screenshot. Exits non-zero when the view does not show up.
// Usage: node out/test/runners/startCheck.js URL SCREENSHOT.png
import { isAbsolute, resolve } from 'node:path';

import { Workbench } from '../e2e/harness';

async function main(): Promise<void> {
  const [url, screenshot] = process.argv.slice(2);
  if (!url || !screenshot) throw new Error('usage: startCheck.js URL SCREENSHOT.png');
  const path = isAbsolute(screenshot) ? screenshot : resolve(screenshot);
  const wb = await Workbench.attach(url);
  try {
    await wb.clickActivityBarItem('SA Kubeconfig');
    const rows = wb.view('Clusters').locator('.pane-body .monaco-list-row');
    const welcome = wb
      .view('Clusters')
      .locator('.pane-body .welcome-view-content', { hasText: 'No Kubernetes contexts found.' });
    await rows.first().or(welcome).waitFor({ state: 'visible', timeout: 60_000 });
    const items = await wb.treeItems('Clusters');
    // The harness's screenshot: credentials in editor tabs are masked.
    await wb.screenshot(path);
    const contexts = items.filter((item) => item.level === 1).map((item) => item.label);
    console.log(
      '[start --check] Clusters view shows ' +
        `${contexts.length > 0 ? `contexts: ${contexts.join(', ')}` : 'its welcome text (no contexts)'}; ` +
        `screenshot: ${path}`,
    );
  } finally {
    await wb.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`[start --check] FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

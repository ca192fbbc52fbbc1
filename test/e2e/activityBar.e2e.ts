// The first thing a user does: click our activity-bar icon. The Clusters view must then list the contexts of the
// kubeconfig code-server was given (KUBECONFIG; under npm test the local cluster's admin kubeconfig), or, with no
// kubeconfig at all (KUBECONFIG unset: the run's HOME is empty), its welcome text. Microsoft's Kubernetes extension is
// NOT installed here: this is the run that shows sa-kubeconfig works on its own.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { load } from 'js-yaml';

import { startWorkbench, type Workbench } from './harness';

/** Context names of the kubeconfig files in KUBECONFIG, in kubectl's order (first file wins on duplicates). */
function expectedContexts(): string[] {
  const names: string[] = [];
  for (const file of (process.env.KUBECONFIG ?? '').split(delimiter).filter((f) => f && existsSync(f))) {
    const config = load(readFileSync(file, 'utf8')) as { contexts?: { name?: string }[] } | undefined;
    for (const context of config?.contexts ?? []) {
      if (context.name && !names.includes(context.name)) names.push(context.name);
    }
  }
  return names;
}

describe('activity bar', function () {
  let wb: Workbench | undefined;

  before(async function () {
    this.timeout(180_000);
    wb = await startWorkbench({ name: 'activity-bar' });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) {
      const shot = await wb.screenshot(`failed-${this.currentTest.title}`);
      console.log(`      screenshot of the failure: ${shot}`);
    }
  });

  after(async () => {
    await wb?.stop();
  });

  it('has our "SA Kubeconfig" icon', async () => {
    await wb!.activityBarItem('SA Kubeconfig').waitFor({ state: 'visible', timeout: 30_000 });
  });

  it("opens the Clusters view with the kubeconfig's contexts, or the welcome text without one", async () => {
    await wb!.clickActivityBarItem('SA Kubeconfig');
    assert.match(await wb!.sideBarTitle(), /^SA Kubeconfig: Clusters$/i);

    const contexts = expectedContexts();
    if (contexts.length > 0) {
      const items = await wb!.waitForTreeItem('Clusters', contexts[0]!);
      const topLevel = items.filter((item) => item.level === 1).map((item) => item.label);
      for (const context of contexts)
        assert.ok(topLevel.includes(context), `context ${context} missing from the tree: ${topLevel.join(', ')}`);
      assert.equal(await wb!.viewWelcomeText('Clusters'), '', 'the welcome text shows next to the contexts');
    } else {
      const text = await wb!.waitForWelcomeText('Clusters', 'No Kubernetes contexts found.');
      assert.match(text, /reads your kubeconfig/);
      assert.deepEqual(await wb!.treeItems('Clusters'), [], 'tree rows show without a kubeconfig');
    }
    assert.equal(
      await wb!.activityBarItem('Kubernetes').count(),
      0,
      'the Kubernetes extension is not installed in this run',
    );
    const shot = await wb!.screenshot('activity-bar');
    console.log(
      '      screenshot: ' +
        `${shot} (${contexts.length > 0 ? `contexts: ${contexts.join(', ')}` : 'no kubeconfig: welcome text'})`,
    );
  });
});

// Runs inside VS Code's extension host (see index.ts): the extension loads from the repository
// (extensionDevelopmentPath) and these tests talk to the real VS Code API.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'sa-kubeconfig.sa-kubeconfig';
const VIEW_CONTAINER_ID = 'saKubeconfig';
const CLUSTERS_VIEW_ID = 'saKubeconfig.clusters';

interface Contributes {
  commands?: { command: string }[];
  views?: Record<string, { id: string }[]>;
  viewsContainers?: { activitybar?: { id: string }[] };
}

function ourExtension(): vscode.Extension<unknown> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(
    extension,
    `${EXTENSION_ID} is not loaded; the runner must pass the repository as extensionDevelopmentPath`,
  );
  return extension;
}

function contributes(): Contributes {
  return (ourExtension().packageJSON as { contributes?: Contributes }).contributes ?? {};
}

describe('sa-kubeconfig in VS Code', () => {
  it('activates', async () => {
    const extension = ourExtension();
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('registers every command it contributes', async () => {
    await ourExtension().activate();
    const contributed = (contributes().commands ?? []).map((c) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((command) => !registered.has(command));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  it('has its activity-bar container with the Clusters view, which can be shown', async () => {
    const { viewsContainers, views } = contributes();
    assert.ok(
      viewsContainers?.activitybar?.some((c) => c.id === VIEW_CONTAINER_ID),
      `no activity-bar container ${VIEW_CONTAINER_ID}`,
    );
    assert.ok(
      views?.[VIEW_CONTAINER_ID]?.some((v) => v.id === CLUSTERS_VIEW_ID),
      `no view ${CLUSTERS_VIEW_ID} in ${VIEW_CONTAINER_ID}`,
    );
    // The workbench registers these commands only for a view container and view it actually created.
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.ok(
      registered.has(`workbench.view.extension.${VIEW_CONTAINER_ID}`),
      'the workbench has no command to open our container',
    );
    assert.ok(registered.has(`${CLUSTERS_VIEW_ID}.focus`), 'the workbench has no focus command for the Clusters view');
    await vscode.commands.executeCommand(`workbench.view.extension.${VIEW_CONTAINER_ID}`);
    await vscode.commands.executeCommand(`${CLUSTERS_VIEW_ID}.focus`);
  });

  it('sees the environment of the runner (KUBECONFIG, SAK_*)', () => {
    // Both runners set SAK_TEST_EXPECTED_KUBECONFIG to their own KUBECONFIG (or '' when unset); the cluster-backed
    // tests depend on the extension host getting the runner's KUBECONFIG.
    const expected = process.env.SAK_TEST_EXPECTED_KUBECONFIG;
    assert.notEqual(
      expected,
      undefined,
      "SAK_TEST_EXPECTED_KUBECONFIG is unset: the runner's environment did not reach the extension host",
    );
    assert.equal(process.env.KUBECONFIG ?? '', expected);
  });
});

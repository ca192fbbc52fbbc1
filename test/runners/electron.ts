// Runs the extension-host mocha suite (out/test/vscode/index.js) in desktop VS Code via @vscode/test-electron, which
// downloads VS Code into .vscode-test/ on first use. For machines that can reach update.code.visualstudio.com (a
// developer's machine, public CI); on Linux without a display run it under Xvfb: `xvfb-run -a npm run test:electron`.
// The machines of this project cannot download VS Code; there `npm run test:vscode` runs the same suite in code-server.
//
// Invoked by `npm run test:electron` (builds, then wraps this in scripts/with-cluster.sh).
// Env: SAK_VSCODE_VERSION (default "stable"; e.g. "1.138.0" for the engines floor), KUBECONFIG and SAK_* (passed on).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests, TestRunFailedError } from '@vscode/test-electron';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');

async function main(): Promise<number> {
  const started = Date.now();
  const extensionTestsPath = join(REPO_ROOT, 'out', 'test', 'vscode', 'index.js');
  for (const needed of [join(REPO_ROOT, 'dist', 'extension.js'), extensionTestsPath]) {
    if (!existsSync(needed))
      throw new Error(`${needed} is missing; build first: node esbuild.mjs && node esbuild.mjs --tests`);
  }
  const passedOn = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => key === 'KUBECONFIG' || key.startsWith('SAK_')),
  ) as Record<string, string>;
  // An own user-data folder keeps the test instance away from the user's VS Code settings and running windows.
  const userDataDir = mkdtempSync(join(tmpdir(), 'sak-electron-'));
  try {
    const exitCode = await runTests({
      version: process.env.SAK_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath,
      extensionTestsEnv: { ...passedOn, SAK_TEST_EXPECTED_KUBECONFIG: process.env.KUBECONFIG ?? '' },
      launchArgs: [
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir',
        userDataDir,
      ],
    });
    console.log(
      `[electron] suite finished with exit code ${exitCode} in ${((Date.now() - started) / 1000).toFixed(1)}s`,
    );
    return exitCode;
  } finally {
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

/** True for the errors a failed VS Code download gives when the update server cannot be resolved or reached. */
function isDownloadFailure(err: unknown): boolean {
  const text = `${(err as { code?: string })?.code ?? ''} ${err instanceof Error ? err.message : String(err)}`;
  const failure = [
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT/.source,
    /update\.code\.visualstudio\.com|Failed to get JSON|Failed to download/.source,
  ].join('|');
  return new RegExp(failure, 'i').test(text);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof TestRunFailedError) {
      console.error(`[electron] suite FAILED: ${message}`);
    } else if (isDownloadFailure(err)) {
      console.error(`[electron] could not download VS Code: ${message}
[electron] This runner needs a machine that can reach update.code.visualstudio.com (expected to fail on this
[electron] project's build machines, which cannot). Run the same suite in code-server instead: npm run test:vscode`);
    } else {
      console.error(`[electron] ERROR: ${message}`);
    }
    process.exit(1);
  },
);

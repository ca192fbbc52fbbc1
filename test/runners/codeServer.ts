// Runs the extension-host mocha suite (out/test/vscode/index.js) inside real VS Code, served by code-server and
// opened in headless Chromium — what @vscode/test-electron does on a desktop, for machines that cannot download
// VS Code. code-server has no --extensionDevelopmentPath flag; the workbench instead reads the `payload` query of
// its URL and honours it when the server runs with `--vscode-option enable-smoke-test-driver`. When the suite's
// run() settles, the workbench calls window.codeAutomationExit(code), which we expose to learn the result.
// The extension host's console (mocha's reporter) arrives as page console messages and is printed here.
//
// Invoked by scripts/code-server-suite.sh (npm run test:vscode), after `node esbuild.mjs && node esbuild.mjs --tests`.
// Environment: KUBECONFIG and SAK_* reach the extension host (code-server passes its environment on);
// SAK_SUITE_TIMEOUT_MS (default 300000) bounds the whole run; SAK_SUITE_VERBOSE=1 also prints the workbench's console.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  elapsed,
  freshDir,
  launchBrowser,
  REPO_ROOT,
  startCodeServer,
  type BrowserSession,
  type CodeServer,
} from './codeServerHost';

// Must equal SUITE_LINE_MARKER in test/vscode/index.ts (not imported: that module needs `vscode`).
const SUITE_LINE_MARKER = '[sak-suite] ';

async function main(): Promise<number> {
  const started = Date.now();
  const timeoutMs = Number(process.env.SAK_SUITE_TIMEOUT_MS ?? 300_000);
  const verbose = process.env.SAK_SUITE_VERBOSE === '1';
  const extensionTestsPath = join(REPO_ROOT, 'out', 'test', 'vscode', 'index.js');
  for (const needed of [join(REPO_ROOT, 'dist', 'extension.js'), extensionTestsPath]) {
    if (!existsSync(needed))
      throw new Error(`${needed} is missing; build first: node esbuild.mjs && node esbuild.mjs --tests`);
  }
  const resultsDir = freshDir(join(REPO_ROOT, 'test-results', 'vscode'));
  const workbenchLog: string[] = [];
  let suiteLines = 0;

  let server: CodeServer | undefined;
  let session: BrowserSession | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    server = await startCodeServer({
      name: 'suite',
      resultsDir,
      vscodeOptions: ['enable-smoke-test-driver'],
      // As users run it: next to Microsoft's Kubernetes extension (the suite checks the integration is on).
      neighbours: true,
      // Lets the suite check that this environment reached the extension host (see extension.test.ts).
      env: { ...process.env, SAK_TEST_EXPECTED_KUBECONFIG: process.env.KUBECONFIG ?? '', SAK_TEST_NEIGHBOURS: '1' },
    });
    session = await launchBrowser();
    const { page } = session;

    const exitCode = new Promise<number>((resolveExit, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the suite did not finish within ${timeoutMs / 1000} s (SAK_SUITE_TIMEOUT_MS)`)),
        timeoutMs,
      );
      void page.exposeFunction('codeAutomationExit', (code: number) => {
        resolveExit(Number(code));
      });
      page.on('pageerror', (err) => workbenchLog.push(`[pageerror] ${err.message}`));
      page.on('crash', () => reject(new Error('the browser page crashed')));
    });
    exitCode.catch(() => undefined); // handled by the awaits below; keeps an early timeout from crashing the process
    page.on('console', (msg) => {
      const text = msg.text();
      const at = text.indexOf(SUITE_LINE_MARKER);
      if (at >= 0) {
        // Mocha's reporter, relayed from the extension host through the workbench's log ("%c INFO color: ... <line>").
        suiteLines += 1;
        console.log(text.slice(at + SUITE_LINE_MARKER.length));
      } else {
        workbenchLog.push(`[${msg.type()}] ${text}`);
        if (verbose) console.log(`[workbench ${msg.type()}] ${text}`);
      }
    });

    const remote = (path: string): string => `vscode-remote://${server!.authority}${path}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(REPO_ROOT)],
      ['extensionTestsPath', remote(extensionTestsPath)],
    ]);
    const url = `${server.url}?payload=${encodeURIComponent(payload)}`;
    const opened = Date.now();
    console.log(`[suite] opening the workbench with the extension under development and ${extensionTestsPath}`);
    // Race with exitCode so that the overall timeout also bounds loading the page.
    await Promise.race([page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 }), exitCode]);
    const code = await exitCode;
    console.log(
      `[suite] extension host suite finished with exit code ${code} in ${elapsed(opened)} (total ${elapsed(started)})`,
    );
    if (suiteLines === 0) {
      console.error('[suite] no reporter output arrived from the extension host; workbench console follows');
      console.error(workbenchLog.slice(-40).join('\n'));
      return code === 0 ? 1 : code;
    }
    if (code !== 0) {
      console.error(`[suite] FAILED. Logs: ${resultsDir} (code-server, VS Code's logs, workbench console)`);
    }
    return code;
  } catch (err) {
    console.error(`[suite] ERROR: ${(err as Error).message}`);
    if (server) console.error(`--- last lines of ${server.logFile} ---\n${server.logTail(20)}`);
    console.error(`--- last workbench console lines ---\n${workbenchLog.slice(-20).join('\n')}`);
    return 1;
  } finally {
    if (timer) clearTimeout(timer);
    writeFileSync(join(resultsDir, 'workbench-console.log'), workbenchLog.join('\n') + '\n');
    await session?.close();
    await server?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[suite] ERROR: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

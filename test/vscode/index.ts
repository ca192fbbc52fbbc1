// Entry point of the extension-host suite: VS Code loads this file (extensionTestsPath) inside its extension host
// and awaits run(). Both runners use it: test/runners/electron.ts (desktop VS Code) and test/runners/codeServer.ts.
// Every `*.test.js` next to this file (and below it) in out/test/vscode is part of the suite; with
// SAK_SUITE_FILES=bench, the `*.bench.js` files are instead (npm run bench's tree timing, never npm test).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';
import * as vscode from 'vscode';

/** Marks the reporter's lines in a browser workbench (code-server), where the extension host's console arrives mixed
 *  with the workbench's own log lines; test/runners/codeServer.ts prints the marked ones and strips the marker. */
export const SUITE_LINE_MARKER = '[sak-suite] ';

const SUFFIX = process.env.SAK_SUITE_FILES === 'bench' ? '.bench.js' : '.test.js';

function findTests(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) return findTests(full);
      return name.endsWith(SUFFIX) ? [full] : [];
    });
}

export async function run(): Promise<void> {
  // The spec reporter writes through Base.consoleLog (console.log), which the extension host relays to whoever runs
  // VS Code. Format each line here so that it arrives as one string, not a format string plus arguments.
  const marker = vscode.env.uiKind === vscode.UIKind.Web ? SUITE_LINE_MARKER : '';
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) => console.log(marker + format(...args));
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 30_000 });
  if (process.env.SAK_TEST_GREP) mocha.grep(process.env.SAK_TEST_GREP);
  const files = findTests(__dirname);
  if (files.length === 0) throw new Error(`no *${SUFFIX} files in ${__dirname}; build with node esbuild.mjs --tests`);
  for (const file of files) mocha.addFile(file);

  const started = Date.now();
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  Mocha.reporters.Base.consoleLog(
    `extension-host suite: ${files.length} file(s), ${failures} failure(s), ` +
      `${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
  if (failures > 0) throw new Error(`${failures} extension-host test(s) failed`);
}

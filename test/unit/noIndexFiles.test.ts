// One import style for src/ (README, Development): no index files. ESLint's local/no-index-files rule reports an
// index file and an import of a folder; this test fails on an index file even where ESLint is not run.
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

/** Every file under `dir` whose name is index.<js/ts extension>, relative to the repository. */
function indexFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...indexFiles(full));
    else if (/^index\.[cm]?[jt]sx?$/.test(entry.name)) found.push(path.relative(process.cwd(), full));
  }
  return found;
}

describe('no index files under src/', function () {
  it('src/ holds no index.ts (import each module by the name of what it holds)', function () {
    assert.deepEqual(indexFiles(path.resolve('src')), []);
  });
});

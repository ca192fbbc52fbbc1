// Whether saving a credential at a path would put it under version control: in a git work tree and not ignored.
import { execFile } from 'node:child_process';
import * as path from 'node:path';

function git(cwd: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 5000 }, (err, stdout) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === 'number'
          ? (err as { code: number }).code
          : -1
        : 0;
      resolve({ code, stdout: String(stdout) });
    });
  });
}

/** The git work tree holding the file when the file is not ignored there; undefined otherwise (or without git). */
export async function unignoredGitWorkTree(file: string): Promise<string | undefined> {
  const dir = path.dirname(file);
  const top = await git(dir, ['rev-parse', '--show-toplevel']);
  if (top.code !== 0) return undefined;
  const ignored = await git(dir, ['check-ignore', '-q', '--no-index', file]);
  // 0: ignored; 1: not ignored; anything else: git could not tell, so we do not warn.
  return ignored.code === 1 ? top.stdout.trim() : undefined;
}

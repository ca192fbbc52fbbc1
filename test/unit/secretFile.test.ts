import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { backupSecretFile, writeSecretFile } from '../../src/core/fs/secretFile';

describe('writeSecretFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sa-kubeconfig-secret-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('creates the file (and missing directories) with mode 0600', async () => {
    const file = path.join(dir, 'nested', 'kubeconfig');
    const result = await writeSecretFile(file, 'content');
    assert.equal(result.created, true);
    assert.equal(await fs.readFile(file, 'utf8'), 'content');
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
  });

  it('replaces a world-readable file with a 0600 one and reports the old mode', async () => {
    const file = path.join(dir, 'kubeconfig');
    await fs.writeFile(file, 'old');
    await fs.chmod(file, 0o644);
    const result = await writeSecretFile(file, 'new');
    assert.equal(result.tightenedFrom, 0o644);
    assert.equal(result.created, false);
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    assert.equal(await fs.readFile(file, 'utf8'), 'new');
    assert.deepEqual(await fs.readdir(dir), ['kubeconfig']);
  });

  it('does not report an already private file', async () => {
    const file = path.join(dir, 'kubeconfig');
    await fs.writeFile(file, 'old', { mode: 0o600 });
    assert.equal((await writeSecretFile(file, 'new')).tightenedFrom, undefined);
  });

  it('refuses a directory and leaves no temporary file', async () => {
    await assert.rejects(writeSecretFile(dir, 'x'), /not a regular file/);
    assert.deepEqual(await fs.readdir(dir), []);
  });

  it('backs up to distinct names when called twice in the same second', async () => {
    const file = path.join(dir, 'kubeconfig');
    await fs.writeFile(file, 'v1');
    const now = new Date('2030-01-01T00:00:00Z');
    const first = await backupSecretFile(file, now);
    const second = await backupSecretFile(file, now);
    assert.notEqual(first, second);
    assert.equal((await fs.stat(second)).mode & 0o777, 0o600);
  });
});

// Merging into kubeconfig files as kubectl does: parallel writers under `<file>.lock`, KUBECONFIG=a:b chains,
// deep equality of entries, and a bounded number of backups.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

import { FileLockedError, lockFileFor } from '../../src/core/fs/fileLock';
import { buildKubeconfig, type KubeconfigDocument } from '../../src/core/kubeconfig/build';
import {
  KubeconfigConflictError,
  mergeKubeconfigIntoFile,
  mergeKubeconfigIntoFiles,
} from '../../src/core/kubeconfig/merge';

const generated = (namePrefix: string, token = `token-${namePrefix}`) =>
  buildKubeconfig({ server: 'https://10.0.0.1:6443', certificateAuthority: CA, token, namePrefix, namespaces: ['a'] });

// A made-up certificate (shape only).
const CA = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZmFrZQ==\n-----END CERTIFICATE-----\n';

const read = async (file: string) => yaml.load(await fs.readFile(file, 'utf8')) as KubeconfigDocument;
const names = (doc: KubeconfigDocument) => doc.contexts.map((c) => c.name).sort();

describe('merging into kubeconfig files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sak-merge-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it("six merges into the same file in parallel keep all six contexts (kubectl's <file>.lock)", async () => {
    const file = path.join(dir, 'config');
    await fs.writeFile(
      file,
      yaml.dump({ apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [], 'current-context': '' }),
      { mode: 0o600 },
    );
    const prefixes = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    await Promise.all(prefixes.map((p) => mergeKubeconfigIntoFile(file, generated(p), 'refuse')));
    assert.deepEqual(names(await read(file)), prefixes);
    assert.equal((await read(file)).users.length, 6);
    await assert.rejects(fs.stat(lockFileFor(file)), /ENOENT/);
  });

  it('an entry equal in another key order is the same entry (no clash, nothing written)', async () => {
    const file = path.join(dir, 'config');
    const doc = generated('ci');
    // The same entries with every mapping's keys reversed, as another tool may write them.
    const reversed = JSON.parse(JSON.stringify(doc), (_k, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    ) as KubeconfigDocument;
    await fs.writeFile(file, yaml.dump(reversed), { mode: 0o600 });
    const before = await fs.readFile(file, 'utf8');
    const result = await mergeKubeconfigIntoFile(file, doc, 'refuse');
    assert.ok(
      result.changes.every((c) => c.action === 'unchanged'),
      JSON.stringify(result.changes),
    );
    assert.equal(await fs.readFile(file, 'utf8'), before);
    assert.equal(result.backupPath, undefined);
  });

  it('keeps the last 5 backups, each 0600', async () => {
    const file = path.join(dir, 'config');
    for (let i = 1; i <= 8; i++)
      await mergeKubeconfigIntoFile(file, generated(`p${i}`), 'refuse', {
        now: new Date(Date.UTC(2030, 0, 1, 0, 0, i)),
      });
    const backups = (await fs.readdir(dir)).filter((n) => n.startsWith('config.bak-')).sort();
    assert.equal(backups.length, 5);
    // Merges 2..8 each backed up the file (stamped with their time); the newest five stay.
    assert.deepEqual(
      backups,
      [4, 5, 6, 7, 8].map((s) => `config.bak-20300101T00000${s}Z`),
    );
    for (const b of backups) assert.equal((await fs.stat(path.join(dir, b))).mode & 0o777, 0o600);
    assert.equal(
      names(await read(path.join(dir, backups[4]))).length,
      7,
      'the newest backup holds the state before the last merge',
    );
  });

  it('waits for a lock another writer holds, and removes a stale one', async () => {
    const file = path.join(dir, 'config');
    const lock = lockFileFor(file);
    await fs.writeFile(lock, '');
    const merging = mergeKubeconfigIntoFile(file, generated('waited'), 'refuse');
    await new Promise((r) => setTimeout(r, 150));
    await assert.rejects(fs.stat(file), /ENOENT/, 'the merge must not write while the lock is held');
    await fs.rm(lock);
    await merging;
    assert.deepEqual(names(await read(file)), ['waited']);

    await fs.writeFile(lock, '');
    const old = new Date(Date.now() - 5 * 60_000);
    await fs.utimes(lock, old, old);
    await mergeKubeconfigIntoFile(file, generated('stale'), 'refuse');
    assert.deepEqual(names(await read(file)), ['stale', 'waited']);
  });

  it('gives up on a lock held too long, leaving the file as it was', async () => {
    const file = path.join(dir, 'config');
    await mergeKubeconfigIntoFile(file, generated('first'), 'refuse');
    const before = await fs.readFile(file, 'utf8');
    await fs.writeFile(lockFileFor(file), '');
    await assert.rejects(
      mergeKubeconfigIntoFile(file, generated('second'), 'refuse', { lock: { timeoutMs: 200 } }),
      (e: unknown) => e instanceof FileLockedError && /config\.lock exists/.test(e.message),
    );
    assert.equal(await fs.readFile(file, 'utf8'), before);
  });

  describe('KUBECONFIG=a:b', () => {
    let a: string;
    let b: string;
    beforeEach(async () => {
      a = path.join(dir, 'a');
      b = path.join(dir, 'b');
      await fs.writeFile(
        a,
        yaml.dump({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'dev', cluster: { server: 'https://dev:6443' } }],
          users: [{ name: 'dev', user: { token: 'dev-token' } }],
          contexts: [{ name: 'dev', context: { cluster: 'dev', user: 'dev' } }],
        }),
        { mode: 0o600 },
      );
      await fs.writeFile(
        b,
        yaml.dump({
          ...generated('ci', 'old-token'),
          'current-context': 'mine',
          contexts: [...generated('ci').contexts, { name: 'mine', context: { cluster: 'ci', user: 'ci' } }],
        }),
        { mode: 0o600 },
      );
    });

    it('replaces an entry in the file that holds it (b), not in the first file', async () => {
      const aBefore = await fs.readFile(a, 'utf8');
      const result = await mergeKubeconfigIntoFiles([a, b], generated('ci', 'new-token'), 'overwrite');
      assert.equal(await fs.readFile(a, 'utf8'), aBefore);
      assert.equal((await read(b)).users.find((u) => u.name === 'ci')?.user.token, 'new-token');
      assert.deepEqual(result.written, [await fs.realpath(b)]);
    });

    it('checks clashes against the merged view: an entry of b clashes even though a lacks it', async () => {
      const aBefore = await fs.readFile(a, 'utf8');
      await assert.rejects(
        mergeKubeconfigIntoFiles([a, b], generated('ci', 'new-token'), 'refuse'),
        (e: unknown) => e instanceof KubeconfigConflictError,
      );
      assert.equal(await fs.readFile(a, 'utf8'), aBefore);
      const renamed = await mergeKubeconfigIntoFiles([a, b], generated('ci', 'new-token'), 'rename');
      assert.ok(renamed.changes.some((c) => c.action === 'renamed' && c.name === 'ci-2'));
      assert.ok(
        (await read(a)).users.some((u) => u.name === 'ci-2'),
        'new entries go to the first existing file',
      );
    });

    it("never sets a current-context in a that would shadow b's; a requested switch goes to b", async () => {
      await mergeKubeconfigIntoFiles([a, b], generated('new'), 'refuse');
      assert.equal((await read(a))['current-context'] ?? '', '');
      assert.deepEqual(names(await read(a)), ['dev', 'new']);
      assert.equal((await read(b))['current-context'], 'mine');
      await mergeKubeconfigIntoFiles([a, b], generated('other'), 'refuse', { setCurrentContext: true });
      assert.equal((await read(a))['current-context'] ?? '', '');
      assert.equal((await read(b))['current-context'], 'other');
    });

    it('new entries go to the first file that exists, not to a missing first file', async () => {
      const missing = path.join(dir, 'no-such-folder', 'missing');
      await mergeKubeconfigIntoFiles([missing, a], generated('new'), 'refuse');
      await assert.rejects(
        fs.stat(path.dirname(missing)),
        /ENOENT/,
        'no file, folder or lock is made for a missing file of the chain',
      );
      assert.ok(names(await read(a)).includes('new'));
    });
  });
});

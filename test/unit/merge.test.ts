import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

import { buildKubeconfig, type KubeconfigDocument } from '../../src/core/kubeconfig/build';
import {
  KubeconfigConflictError,
  KubeconfigFileError,
  mergeKubeconfigIntoFile,
  mergeKubeconfigs,
} from '../../src/core/kubeconfig/merge';

const incoming = (token = 'token-new') =>
  buildKubeconfig({
    server: 'https://10.0.0.1:6443',
    insecureSkipTlsVerify: true,
    token,
    namePrefix: 'ci',
    namespaces: ['a', 'b'],
  });

function existing(): KubeconfigDocument {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'prod', cluster: { server: 'https://prod:6443' } },
      { name: 'ci', cluster: { server: 'https://other:6443' } },
    ],
    users: [{ name: 'ci', user: { token: 'token-old' } }],
    contexts: [
      { name: 'prod', context: { cluster: 'prod', user: 'ci' } },
      { name: 'ci-a', context: { cluster: 'ci', user: 'ci', namespace: 'default' } },
    ],
    'current-context': 'prod',
    preferences: {},
  };
}

describe('mergeKubeconfigs', () => {
  it('adds everything to an empty or missing kubeconfig and sets its current context', () => {
    const { result, changes } = mergeKubeconfigs(undefined, incoming(), 'refuse');
    assert.deepEqual(
      result.contexts.map((c) => c.name),
      ['ci-a', 'ci-b'],
    );
    assert.equal(result['current-context'], 'ci-a');
    assert.ok(changes.filter((c) => c.section !== 'current-context').every((c) => c.action === 'added'));
  });

  it('refuses clashes, listing each, and changes nothing', () => {
    const before = existing();
    assert.throws(
      () => mergeKubeconfigs(before, incoming(), 'refuse'),
      (error: unknown) => {
        assert.ok(error instanceof KubeconfigConflictError);
        assert.deepEqual(error.clashes, [
          { section: 'cluster', name: 'ci' },
          { section: 'user', name: 'ci' },
          { section: 'context', name: 'ci-a' },
        ]);
        assert.match(error.message, /cluster "ci", user "ci", context "ci-a".*--on-conflict rename/);
        return true;
      },
    );
    assert.deepEqual(before, existing());
  });

  it('renames clashing entries with -2 and rewrites the references to them', () => {
    const { result, changes } = mergeKubeconfigs(existing(), incoming(), 'rename');
    assert.deepEqual(
      result.clusters.map((c) => c.name),
      ['prod', 'ci', 'ci-2'],
    );
    assert.deepEqual(
      result.users.map((u) => u.name),
      ['ci', 'ci-2'],
    );
    assert.deepEqual(
      result.contexts.map((c) => c.name),
      ['prod', 'ci-a', 'ci-a-2', 'ci-b'],
    );
    const renamedA = result.contexts.find((c) => c.name === 'ci-a-2')!;
    assert.deepEqual(renamedA.context, { cluster: 'ci-2', user: 'ci-2', namespace: 'a' });
    assert.deepEqual(result.contexts.find((c) => c.name === 'ci-b')!.context, {
      cluster: 'ci-2',
      user: 'ci-2',
      namespace: 'b',
    });
    assert.equal(result.users.find((u) => u.name === 'ci')!.user.token, 'token-old');
    assert.ok(
      changes.some(
        (c) => c.section === 'context' && c.action === 'renamed' && c.renamedFrom === 'ci-a' && c.name === 'ci-a-2',
      ),
    );
    assert.equal(result['current-context'], 'prod', 'an existing current-context is kept');
  });

  it('skips names already taken when renaming (-3 after an existing -2)', () => {
    const base = existing();
    base.users.push({ name: 'ci-2', user: { token: 'x' } });
    const { result } = mergeKubeconfigs(base, incoming(), 'rename');
    assert.deepEqual(
      result.users.map((u) => u.name),
      ['ci', 'ci-2', 'ci-3'],
    );
  });

  it('overwrites in place only with the overwrite strategy', () => {
    const { result, changes } = mergeKubeconfigs(existing(), incoming(), 'overwrite');
    assert.deepEqual(result.users, [{ name: 'ci', user: { token: 'token-new' } }]);
    assert.equal(result.clusters[1].cluster.server, 'https://10.0.0.1:6443');
    assert.deepEqual(
      result.contexts.map((c) => c.name),
      ['prod', 'ci-a', 'ci-b'],
    );
    assert.deepEqual(
      changes.filter((c) => c.action === 'replaced').map((c) => `${c.section}/${c.name}`),
      ['cluster/ci', 'user/ci', 'context/ci-a'],
    );
  });

  it('treats identical entries as unchanged, not as clashes', () => {
    const once = mergeKubeconfigs(undefined, incoming(), 'refuse').result;
    const { changes } = mergeKubeconfigs(once, incoming(), 'refuse');
    assert.ok(changes.every((c) => c.action === 'unchanged'));
  });

  it('sets the current context when asked, following a rename', () => {
    const { result } = mergeKubeconfigs(existing(), incoming(), 'rename', { setCurrentContext: true });
    assert.equal(result['current-context'], 'ci-a-2');
  });
});

describe('mergeKubeconfigIntoFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sa-kubeconfig-merge-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const mode = async (file: string) => (await fs.stat(file)).mode & 0o777;

  it('creates a missing file with mode 0600 and no backup', async () => {
    const file = path.join(dir, 'config');
    const result = await mergeKubeconfigIntoFile(file, incoming(), 'refuse');
    assert.equal(result.created, true);
    assert.equal(result.backupPath, undefined);
    assert.equal(await mode(file), 0o600);
    assert.deepEqual(
      (yaml.load(await fs.readFile(file, 'utf8')) as KubeconfigDocument).contexts.map((c) => c.name),
      ['ci-a', 'ci-b'],
    );
  });

  it('keeps a 0600 backup of the old content, tightens a world-readable file and leaves no temp files', async () => {
    const file = path.join(dir, 'config');
    const original = yaml.dump(existing());
    await fs.writeFile(file, original, { mode: 0o644 });
    await fs.chmod(file, 0o644);
    const result = await mergeKubeconfigIntoFile(file, incoming(), 'rename', {
      now: new Date('2030-01-02T03:04:05.678Z'),
    });
    assert.equal(result.backupPath, `${file}.bak-20300102T030405Z`);
    assert.equal(await fs.readFile(result.backupPath!, 'utf8'), original);
    assert.equal(await mode(result.backupPath!), 0o600);
    assert.equal(await mode(file), 0o600);
    assert.equal(result.tightenedFrom, 0o644);
    assert.deepEqual((await fs.readdir(dir)).sort(), ['config', 'config.bak-20300102T030405Z']);
    const merged = yaml.load(await fs.readFile(file, 'utf8')) as KubeconfigDocument;
    assert.ok(merged.contexts.some((c) => c.name === 'ci-a-2'));
  });

  it('refuses clashes without touching the file or making a backup', async () => {
    const file = path.join(dir, 'config');
    const original = yaml.dump(existing());
    await fs.writeFile(file, original, { mode: 0o600 });
    await assert.rejects(
      mergeKubeconfigIntoFile(file, incoming(), 'refuse'),
      (error: unknown) => error instanceof KubeconfigConflictError && error.message.startsWith(file),
    );
    assert.equal(await fs.readFile(file, 'utf8'), original);
    assert.deepEqual(await fs.readdir(dir), ['config']);
  });

  it('refuses a malformed file, naming it and the parse problem', async () => {
    const file = path.join(dir, 'config');
    await fs.writeFile(file, 'clusters: [\n  - name: x\n bad', { mode: 0o600 });
    await assert.rejects(mergeKubeconfigIntoFile(file, incoming(), 'rename'), (error: unknown) => {
      assert.ok(error instanceof KubeconfigFileError);
      assert.match(
        error.message,
        new RegExp(
          `^Cannot merge into ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: it is not valid YAML \\(.+\\)\\. ` +
            'The file was not changed',
        ),
      );
      return true;
    });
    await fs.writeFile(file, 'clusters: 5\n');
    await assert.rejects(mergeKubeconfigIntoFile(file, incoming(), 'rename'), /"clusters" is not a list/);
    assert.deepEqual(await fs.readdir(dir), ['config']);
  });

  it('writes nothing when the merge changes nothing', async () => {
    const file = path.join(dir, 'config');
    await mergeKubeconfigIntoFile(file, incoming(), 'refuse');
    const second = await mergeKubeconfigIntoFile(file, incoming(), 'refuse');
    assert.equal(second.backupPath, undefined);
    assert.deepEqual(await fs.readdir(dir), ['config']);
  });

  it('writes through a symlink, keeping the link', async () => {
    const real = path.join(dir, 'real-config');
    const link = path.join(dir, 'config');
    await fs.writeFile(real, yaml.dump(existing()), { mode: 0o600 });
    await fs.symlink(real, link);
    await mergeKubeconfigIntoFile(link, incoming(), 'rename');
    assert.ok((await fs.lstat(link)).isSymbolicLink());
    assert.match(await fs.readFile(real, 'utf8'), /ci-a-2/);
  });
});

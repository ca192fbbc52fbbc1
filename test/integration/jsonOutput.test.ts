// --output json against the real cluster: the exit paths that need one (success of every command, refused by the
// escalation pre-check, forbidden, not found, a kubeconfig conflict, verification failed) each print exactly one
// document that JSON.parse accepts, with the exit code in it when the command failed. The unit side (usage
// errors, invalid input, unreachable, help) is test/unit/jsonOutput.test.ts.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { EXIT } from '../../src/cli/io';
import { Cleanup, clusterEnv, kubectlOk, privateTempDir, uniqueName } from '../support/cluster';
import { runCli } from '../support/users';

interface ErrorBody {
  code: string;
  exitCode: number;
  message: string;
}

/** Runs the CLI and parses stdout as exactly one JSON document. */
async function json(
  args: string[],
  kubeconfig: string,
): Promise<{ code: number; doc: Record<string, unknown>; stderr: string }> {
  const r = await runCli([...args, '-o', 'json'], kubeconfig);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(r.stdout) as Record<string, unknown>;
  } catch (error) {
    assert.fail(
      `stdout of "${args.join(' ')}" (exit ${r.code}) is not one JSON document ` +
        `(${(error as Error).message}):\n${r.stdout}\n${r.stderr}`,
    );
  }
  return { code: r.code, doc, stderr: r.stderr };
}

const errorOf = (doc: Record<string, unknown>) => doc.error as ErrorBody;

describe('--output json against the cluster: one document per exit path', function () {
  const env = clusterEnv();
  const cleanup = new Cleanup();
  let dir: string;
  let ns: string;
  before(async () => {
    dir = cleanup.dir(privateTempDir());
    ns = cleanup.namespace(uniqueName('json'));
    await kubectlOk(['create', 'namespace', ns]);
  });
  after(() => cleanup.run());

  it('create, list, discover, verify, rotate, revoke and delete succeed with one document each', async () => {
    const out = path.join(dir, 'ci.kubeconfig');
    let r = await json(
      ['create', '-n', ns, '-s', 'ci', '--rule', 'pods:get,list', '--long-lived', '--out', out],
      env.adminKubeconfig,
    );
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.equal((r.doc.token as { mode: string }).mode, 'longLived');
    assert.ok(!JSON.stringify(r.doc).includes('eyJ'), 'no token in the report');
    r = await json(['list', '-n', ns], env.adminKubeconfig);
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.deepEqual(
      (r.doc.serviceAccounts as { name: string }[]).map((s) => s.name),
      ['ci'],
    );
    r = await json(['discover', '--group', 'apps'], env.adminKubeconfig);
    assert.equal(r.code, EXIT.ok, r.stderr);
    r = await json(['verify', out], env.adminKubeconfig);
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.equal(r.doc.ok, true);
    r = await json(
      ['rotate', '-n', ns, '-s', 'ci', '--out', path.join(dir, 'rotated.kubeconfig')],
      env.adminKubeconfig,
    );
    assert.equal(r.code, EXIT.ok, r.stderr);
    r = await json(['revoke', '-n', ns, '-s', 'ci', '--yes'], env.adminKubeconfig);
    assert.equal(r.code, EXIT.ok, r.stderr);
    r = await json(['delete', '-n', ns, '-s', 'ci', '--yes'], env.adminKubeconfig);
    assert.equal(r.code, EXIT.ok, r.stderr);
  });

  it('verification failed: the report and the error in one document (it printed two)', async () => {
    const out = path.join(dir, 'reader.kubeconfig');
    const created = await json(
      ['create', '-n', ns, '-s', 'reader', '--rule', 'configmaps:get', '--out', out],
      env.adminKubeconfig,
    );
    assert.equal(created.code, EXIT.ok, created.stderr);
    const r = await json(['verify', out, '--rule', 'secrets:get'], env.adminKubeconfig);
    assert.equal(r.code, EXIT.denied);
    assert.equal(r.doc.ok, false);
    assert.equal(errorOf(r.doc).exitCode, EXIT.denied);
  });

  it('refused by the escalation pre-check: one document that parses (it printed "token": <redacted>)', async () => {
    const r = await json(
      [
        'create',
        '-n',
        'restricted-ns',
        '-s',
        uniqueName('esc'),
        '--rule',
        'secrets:get',
        '--out',
        path.join(dir, 'esc.kubeconfig'),
      ],
      env.restrictedKubeconfig,
    );
    assert.equal(r.code, EXIT.conflict, r.stderr);
    assert.equal(errorOf(r.doc).code, 'escalation');
    assert.equal(errorOf(r.doc).exitCode, EXIT.conflict);
  });

  it('forbidden: the restricted user listing or revoking outside its namespace', async () => {
    for (const args of [
      ['list', '-n', ns],
      ['revoke', '-n', ns, '-s', 'reader', '--yes'],
    ]) {
      const r = await json(args, env.restrictedKubeconfig);
      assert.equal(r.code, EXIT.denied, r.stderr);
      assert.equal(errorOf(r.doc).code, 'forbidden');
    }
  });

  it('not found: a namespace that does not exist', async () => {
    const r = await json(
      ['rotate', '-n', uniqueName('missing'), '-s', 'x', '--out', path.join(dir, 'nf.kubeconfig')],
      env.adminKubeconfig,
    );
    assert.equal(r.code, EXIT.usage, r.stderr);
    assert.equal(errorOf(r.doc).code, 'notFound');
  });

  it('a kubeconfig conflict while merging: the error in one document', async () => {
    const target = path.join(dir, 'merge-target');
    const name = `${ns}-clash`;
    writeFileSync(
      target,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name, cluster: { server: 'https://elsewhere:6443' } }],
        users: [],
        contexts: [],
      }),
      { mode: 0o600 },
    );
    const r = await json(
      ['create', '-n', ns, '-s', 'merger', '--rule', 'pods:get', '--name-prefix', name, '--merge-into', target],
      env.adminKubeconfig,
    );
    assert.equal(r.code, EXIT.conflict, r.stderr);
    assert.equal(errorOf(r.doc).code, 'kubeconfigConflict');
  });
});

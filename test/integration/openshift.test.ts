// OpenShift, for real as far as a plain kube-apiserver allows: the project.openshift.io/v1 `projects` resource
// served through a cluster-scoped CRD, Project objects named like existing namespaces, and real users (client
// certificates signed by the cluster CA) who may list projects but not namespaces, or neither. Also the legacy
// token Secret OpenShift ≤ 4.15 makes for every service account (`<sa>-token-xxxxx`, listed in `.secrets`).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';

import { connect } from '../../src/core/cluster/connect';
import { detectOpenShift, listNamespaces } from '../../src/core/cluster/namespaces';
import { listServiceAccounts } from '../../src/core/inventory/read';
import { kubeconfigForServiceAccount } from '../../src/core/kubeconfig/forServiceAccount';
import {
  adminConnection,
  Cleanup,
  clusterEnv,
  eventually,
  kubectl,
  kubectlOk,
  privateTempDir,
  uniqueName,
} from '../support/cluster';
import { clientCertificateKubeconfig, runCli } from '../support/users';

const PROJECTS_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'projects.project.openshift.io' },
  spec: {
    group: 'project.openshift.io',
    scope: 'Cluster',
    names: { plural: 'projects', singular: 'project', kind: 'Project', listKind: 'ProjectList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

describe('OpenShift: projects instead of namespaces, legacy token Secrets', function () {
  const cleanup = new Cleanup();
  const nsA = uniqueName('oc-a');
  const nsB = uniqueName('oc-b');
  const projectUser = uniqueName('oc-dev');
  const nobody = uniqueName('oc-nobody');
  let projectKubeconfig: string;
  let nobodyKubeconfig: string;

  before(async function () {
    this.timeout(120_000);
    const admin = await adminConnection();
    try {
      assert.equal(
        await detectOpenShift(admin),
        false,
        'a plain cluster is not OpenShift before the projects API exists',
      );
    } finally {
      admin.close();
    }
    cleanup.namespace(nsA);
    cleanup.namespace(nsB);
    cleanup.clusterObject('customresourcedefinition', PROJECTS_CRD.metadata.name);
    cleanup.clusterObject('clusterrole', `${projectUser}-projects`);
    cleanup.clusterObject('clusterrolebinding', `${projectUser}-projects`);
    await kubectlOk(['create', 'namespace', nsA]);
    await kubectlOk(['create', 'namespace', nsB]);
    await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(PROJECTS_CRD) });
    await kubectlOk(['wait', '--for=condition=Established', `crd/${PROJECTS_CRD.metadata.name}`, '--timeout=60s'], {
      timeoutMs: 70_000,
    });
    await eventually(
      async () =>
        (
          await kubectl(['apply', '-f', '-'], {
            input: JSON.stringify({
              apiVersion: 'v1',
              kind: 'List',
              items: [nsA, nsB].map((name) => ({
                apiVersion: 'project.openshift.io/v1',
                kind: 'Project',
                metadata: { name },
              })),
            }),
          })
        ).code === 0,
      30_000,
      'the projects API to accept Project objects',
    );
    // The project user may list projects and read service accounts in its two projects, but may not list namespaces.
    await kubectlOk([
      'create',
      'clusterrole',
      `${projectUser}-projects`,
      '--verb=get,list,watch',
      '--resource=projects.project.openshift.io',
    ]);
    await kubectlOk([
      'create',
      'clusterrolebinding',
      `${projectUser}-projects`,
      `--clusterrole=${projectUser}-projects`,
      `--user=${projectUser}`,
    ]);
    for (const ns of [nsA, nsB])
      await kubectlOk(['-n', ns, 'create', 'rolebinding', 'dev-view', '--clusterrole=view', `--user=${projectUser}`]);
    projectKubeconfig = clientCertificateKubeconfig(projectUser);
    nobodyKubeconfig = clientCertificateKubeconfig(nobody, { namespace: nsA });
    cleanup.dir(path.dirname(projectKubeconfig));
    cleanup.dir(path.dirname(nobodyKubeconfig));
    assert.match(
      (await kubectl(['get', 'namespaces'], { kubeconfig: projectKubeconfig })).stderr,
      /forbidden/i,
      'the project user must not list namespaces',
    );
  });
  after(async function () {
    this.timeout(60_000);
    await cleanup.run();
  });

  it('detects OpenShift once project.openshift.io is served', async function () {
    const conn = await connect({ kubeconfigPath: projectKubeconfig });
    try {
      await eventually(() => detectOpenShift(conn), 15_000, 'discovery to list project.openshift.io');
    } finally {
      conn.close();
    }
  });

  it('listNamespaces falls back to the projects the user may list, and says so', async function () {
    const conn = await connect({ kubeconfigPath: projectKubeconfig });
    try {
      const list = await listNamespaces(conn);
      assert.equal(list.source, 'projects');
      assert.deepEqual(list.namespaces, [nsA, nsB].sort());
      assert.equal(list.note, 'Listing namespaces is not allowed: showing your OpenShift projects instead.');
    } finally {
      conn.close();
    }
  });

  it("a user who may list neither gets the context's namespace and the explanation", async function () {
    const conn = await connect({ kubeconfigPath: nobodyKubeconfig });
    try {
      const list = await listNamespaces(conn);
      assert.deepEqual(list, {
        namespaces: [nsA],
        source: 'context',
        note:
          'Listing namespaces is not allowed (nor OpenShift projects): ' +
          `showing only the context's namespace "${nsA}".`,
      });
    } finally {
      conn.close();
    }
  });

  it(
    "CLI `list -A` lists the service accounts of the user's projects and says " + 'where the list came from',
    async function () {
      this.timeout(60_000);
      const text = await runCli(['list', '-A', '--all'], projectKubeconfig);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stderr, /Note: Listing namespaces is not allowed: showing your OpenShift projects instead\./);
      assert.match(text.stdout, new RegExp(`^${nsA}/default `, 'm'));
      assert.match(text.stdout, new RegExp(`^${nsB}/default `, 'm'));
      assert.match(text.stdout, /Not allowed to list Secrets in namespace/);
      const json = await runCli(['list', '-A', '--all', '-o', 'json'], projectKubeconfig);
      assert.equal(json.code, 0, json.stderr);
      const data = JSON.parse(json.stdout) as {
        namespaceSource: string;
        namespaces: string[];
        serviceAccounts: { namespace: string; name: string }[];
      };
      assert.equal(data.namespaceSource, 'projects');
      assert.deepEqual(data.namespaces, [nsA, nsB].sort());
      assert.deepEqual(
        data.serviceAccounts.map((s) => `${s.namespace}/${s.name}`).sort(),
        [`${nsA}/default`, `${nsB}/default`].sort(),
      );
    },
  );

  it(
    "a legacy `<sa>-token-xxxxx` Secret listed in the service account's .secrets: " +
      'inventory finds it, create --existing-secret uses it',
    async function () {
      this.timeout(90_000);
      const sa = 'builder';
      const secret = `${sa}-token-x7k2p`;
      // What OpenShift ≤ 4.15 does for every service account: a token Secret and a dockercfg Secret, both in .secrets.
      await kubectlOk(['-n', nsA, 'create', 'serviceaccount', sa]);
      await kubectlOk(['apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'kubernetes.io/service-account-token',
          metadata: { name: secret, namespace: nsA, annotations: { 'kubernetes.io/service-account.name': sa } },
        }),
      });
      await kubectlOk([
        '-n',
        nsA,
        'patch',
        'serviceaccount',
        sa,
        '--type=merge',
        '-p',
        JSON.stringify({ secrets: [{ name: secret }, { name: `${sa}-dockercfg-q8w4z` }] }),
      ]);
      await eventually(
        async () => (await kubectlOk(['-n', nsA, 'get', 'secret', secret, '-o', 'jsonpath={.data.token}'])).length > 0,
        20_000,
        'the token controller to fill the Secret',
      );

      const admin = await adminConnection();
      try {
        const inv = await listServiceAccounts(admin, nsA);
        const builder = inv.serviceAccounts.find((s) => s.name === sa);
        assert.deepEqual(
          builder?.tokenSecrets.map((t) => [t.name, t.role, t.managed, t.populated]),
          [[secret, 'longLived', false, true]],
        );
        // Without a name, the existing-Secret token is found from the service account.
        const k = await kubeconfigForServiceAccount(admin, {
          namespace: nsA,
          serviceAccount: sa,
          token: { kind: 'existingSecret' },
        });
        assert.equal(k.token.secretName, secret);
        assert.ok(!JSON.stringify(k.token).includes('eyJ'), 'the token summary holds no token');
      } finally {
        admin.close();
      }

      const out = path.join(cleanup.dir(privateTempDir()), 'builder.kubeconfig');
      const r = await runCli(
        [
          'create',
          '-n',
          nsA,
          '-s',
          sa,
          '--adopt',
          '--existing-secret',
          secret,
          '--rule',
          'configmaps:get,list',
          '--out',
          out,
          '--output',
          'json',
        ],
        clusterEnv().adminKubeconfig,
      );
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as { token: { mode: string; secretName: string } };
      assert.equal(report.token.mode, 'existingSecret');
      assert.equal(report.token.secretName, secret);
      assert.equal(
        await kubectlOk(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig: out }),
        `system:serviceaccount:${nsA}:${sa}`,
      );
      assert.equal((await kubectl(['get', 'configmaps', '-n', nsA], { kubeconfig: out })).code, 0);
    },
  );
});

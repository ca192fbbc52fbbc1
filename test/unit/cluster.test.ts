// core/cluster without a cluster: kubectl's kubeconfig loading rules, error classification, review parsing.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { buildPath } from '../../src/core/cluster/client';
import {
  clusterCaPem,
  combineLoadedKubeconfigs,
  kubeconfigPaths,
  loadKubeconfig,
  loadKubeconfigFromString,
  parseKubeconfig,
  resolveRelativePaths,
} from '../../src/core/cluster/loadKubeconfig';
import { isOpenShiftFromGroups, namesFromList } from '../../src/core/cluster/namespaces';
import {
  accessReviewBody,
  parseAccessReview,
  parseRulesReview,
  parseSelfSubjectReview,
  splitResource,
} from '../../src/core/cluster/reviews';
import { errorFromNetwork, errorFromResponse, SaKubeconfigError } from '../../src/core/errors';

const doc = (name: string, server: string, current?: string, extra: Record<string, unknown> = {}) => ({
  clusters: [{ name, cluster: { server } }],
  users: [{ name, user: { token: `tok-${name}` } }],
  contexts: [{ name, context: { cluster: name, user: name, ...extra } }],
  ...(current ? { 'current-context': current } : {}),
});

describe('cluster: kubeconfig loading like kubectl', function () {
  let dir: string;
  before(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'sak-unit-'));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'paths: explicit path wins; KUBECONFIG split on the delimiter, ' +
      'empty and duplicate entries dropped; else ~/.kube/config',
    function () {
      assert.deepEqual(kubeconfigPaths('/x/k', { KUBECONFIG: '/a' }, '/home/u'), { paths: ['/x/k'], explicit: true });
      assert.deepEqual(
        kubeconfigPaths(undefined, { KUBECONFIG: ['/a', '', '/b', '/a'].join(path.delimiter) }, '/home/u'),
        { paths: ['/a', '/b'], explicit: false },
      );
      assert.deepEqual(kubeconfigPaths(undefined, {}, '/home/u'), { paths: ['/home/u/.kube/config'], explicit: false });
    },
  );

  it('merge: the first file to define a name wins, and the first current-context wins', function () {
    const merged = combineLoadedKubeconfigs([
      { path: '/1', doc: { ...doc('a', 'https://one'), contexts: [] } },
      { path: '/2', doc: doc('a', 'https://two', 'a') },
      { path: '/3', doc: doc('b', 'https://three', 'b') },
    ]);
    assert.equal(merged.clusters!.find((c) => c.name === 'a')!.cluster.server, 'https://one');
    assert.equal(merged['current-context'], 'a');
    assert.deepEqual(
      merged.contexts!.map((c) => c.name),
      ['a', 'b'],
    );
  });

  it(
    "relative certificate, key and token files resolve against the kubeconfig's folder; " +
      'exec commands only with a slash',
    function () {
      const raw = resolveRelativePaths(
        {
          clusters: [{ name: 'c', cluster: { server: 's', 'certificate-authority': 'ca.crt' } }],
          users: [
            {
              name: 'u',
              user: {
                'client-certificate': 'u.crt',
                'client-key': '/abs/u.key',
                'token-file': 'tok',
                exec: { command: './bin/login' },
              },
            },
            { name: 'v', user: { exec: { command: 'aws' } } },
          ],
        },
        '/etc/kube/config',
      );
      assert.equal(raw.clusters![0].cluster['certificate-authority'], '/etc/kube/ca.crt');
      assert.equal(raw.users![0].user['client-certificate'], '/etc/kube/u.crt');
      assert.equal(raw.users![0].user['client-key'], '/abs/u.key');
      assert.equal(raw.users![0].user['token-file'], '/etc/kube/tok');
      assert.equal((raw.users![0].user.exec as { command: string }).command, '/etc/kube/bin/login');
      assert.equal((raw.users![1].user.exec as { command: string }).command, 'aws');
    },
  );

  it('loads merged files from KUBECONFIG, ignores missing ones, selects the context and its namespace', function () {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    writeFileSync(a, JSON.stringify(doc('a', 'https://one:6443', undefined, { namespace: 'team-a' })));
    writeFileSync(b, JSON.stringify(doc('b', 'https://two:6443', 'b')));
    const env = { KUBECONFIG: [path.join(dir, 'missing'), a, b].join(path.delimiter) };
    const loaded = loadKubeconfig({ env });
    assert.equal(loaded.contextName, 'b');
    assert.equal(loaded.namespace, 'default');
    assert.deepEqual(loaded.files, [a, b]);
    const other = loadKubeconfig({ env, context: 'a' });
    assert.equal(other.server, 'https://one:6443');
    assert.equal(other.namespace, 'team-a');
  });

  it('clear errors: bad YAML names the file; unknown context lists the known ones; dangling cluster', function () {
    assert.throws(
      () => parseKubeconfig('clusters: [', '/k'),
      (e: unknown) =>
        e instanceof SaKubeconfigError && e.code === 'kubeconfig' && /\/k is not valid YAML/.test(e.message),
    );
    assert.throws(() => parseKubeconfig('- a', '/k'), /not a kubeconfig/);
    assert.throws(() => parseKubeconfig('clusters: x', '/k'), /"clusters" must be a list/);
    const text = JSON.stringify(doc('a', 'https://one'));
    assert.throws(() => loadKubeconfigFromString(text), /no current-context/);
    assert.throws(
      () => loadKubeconfigFromString(text, 'zzz'),
      /Context "zzz" is not in the kubeconfig \(contexts: a\)/,
    );
    const dangling = JSON.stringify({ ...doc('a', 'https://one', 'a'), clusters: [] });
    assert.throws(() => loadKubeconfigFromString(dangling), /refers to cluster "a", which is not in/);
    assert.throws(() => loadKubeconfig({ kubeconfigPath: path.join(dir, 'nope') }), /does not exist/);
    assert.throws(() => loadKubeconfig({ env: { KUBECONFIG: path.join(dir, 'nope') } }), /No kubeconfig found/);
  });

  it('CA from certificate-authority-data', function () {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const text = JSON.stringify({
      ...doc('a', 'https://one', 'a'),
      clusters: [
        {
          name: 'a',
          cluster: { server: 'https://one', 'certificate-authority-data': Buffer.from(pem).toString('base64') },
        },
      ],
    });
    assert.equal(clusterCaPem(loadKubeconfigFromString(text)), pem);
  });
});

describe('cluster: error classification', function () {
  const req = {
    method: 'GET',
    path: '/api/v1/namespaces/x/secrets',
    action: 'list secrets in namespace "x"',
    context: 'prod',
  };

  it('401 -> unauthorized with "log in again"', function () {
    const e = errorFromResponse(
      401,
      '{"kind":"Status","message":"Unauthorized","reason":"Unauthorized","code":401}',
      req,
    );
    assert.equal(e.code, 'unauthorized');
    assert.match(e.message, /rejected the credentials \(context "prod"\): Unauthorized/);
    assert.match(e.hint, /log in again/);
  });

  it("403 -> forbidden with the server's verb and resource", function () {
    const e = errorFromResponse(
      403,
      JSON.stringify({
        message: 'secrets is forbidden: User "bob" cannot list resource "secrets" in API group "" in the namespace "x"',
        reason: 'Forbidden',
        details: { kind: 'secrets' },
      }),
      req,
    );
    assert.equal(e.code, 'forbidden');
    assert.match(e.message, /User "bob" cannot list resource "secrets"/);
  });

  it('404 of the namespace -> notFound naming the namespace', function () {
    const e = errorFromResponse(
      404,
      JSON.stringify({
        message: 'namespaces "x" not found',
        reason: 'NotFound',
        details: { name: 'x', kind: 'namespaces' },
      }),
      { ...req, method: 'POST', path: '/api/v1/namespaces/x/serviceaccounts' },
    );
    assert.equal(e.code, 'notFound');
    assert.match(e.message, /Namespace "x" does not exist/);
  });

  it('409 conflict, 422 invalid with causes, 500 server, non-JSON bodies', function () {
    assert.equal(errorFromResponse(409, '{"message":"already exists"}', req).code, 'conflict');
    const invalid = errorFromResponse(
      422,
      JSON.stringify({
        message: 'Role "x" is invalid',
        details: { causes: [{ field: 'rules[0].verbs', message: 'Required value' }] },
      }),
      req,
    );
    assert.equal(invalid.code, 'invalid');
    assert.match(invalid.message, /rules\[0\]\.verbs: Required value/);
    const server = errorFromResponse(503, 'upstream connect error', req);
    assert.equal(server.code, 'server');
    assert.match(server.message, /upstream connect error/);
  });

  it(
    'network errors: refused, DNS, timeout -> unreachable; ' + 'certificate problems -> tls; abort -> aborted',
    function () {
      const e = (code: string, message = code) => Object.assign(new Error(message), { code });
      assert.match(
        errorFromNetwork(e('ECONNREFUSED'), 'https://h:1', 'c').message,
        /Cannot reach the API server https:\/\/h:1 \(context "c"\): connection refused/,
      );
      assert.match(errorFromNetwork(e('ENOTFOUND'), 'https://h:1').message, /host name not found/);
      assert.match(errorFromNetwork(e('ETIMEDOUT'), 'https://h:1').message, /timed out/);
      assert.equal(
        errorFromNetwork(e('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'https://h:1').code,
        'tls',
      );
      assert.equal(
        errorFromNetwork(
          e('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"),
          'https://h:1',
        ).code,
        'tls',
      );
      assert.equal(
        errorFromNetwork(Object.assign(new Error('aborted'), { name: 'AbortError' }), 'https://h:1').code,
        'aborted',
      );
    },
  );

  it('never carries a token: messages and hints are redacted', function () {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlc2lnbmF0dXJl';
    const e = new SaKubeconfigError('server', `oops Authorization: Bearer ${jwt}`, { hint: `token: ${jwt}` });
    assert.ok(!e.message.includes(jwt) && !e.hint.includes(jwt));
    assert.ok(!errorFromResponse(500, `{"message":"bad token ${jwt}"}`, req).message.includes(jwt));
  });
});

describe('cluster: requests and reviews', function () {
  it('buildPath encodes the query and drops undefined values', function () {
    assert.equal(
      buildPath('/api/v1/x', { dryRun: 'All', labelSelector: 'a=b,c', skip: undefined }),
      '/api/v1/x?dryRun=All&labelSelector=a%3Db%2Cc',
    );
    assert.equal(buildPath('/api', {}), '/api');
  });

  it('SelfSubjectAccessReview body with subresource; decision parsing', function () {
    assert.deepEqual(
      accessReviewBody({ verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: 'n' }),
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: 'n' },
        },
      },
    );
    assert.deepEqual(parseAccessReview({ status: { allowed: false, reason: 'no RBAC policy matched' } }), {
      allowed: false,
      denied: false,
      reason: 'no RBAC policy matched',
    });
    assert.deepEqual(splitResource('deployments/scale'), { resource: 'deployments', subresource: 'scale' });
  });

  it('SelfSubjectRulesReview and SelfSubjectReview parsing', function () {
    const r = parseRulesReview('n', {
      status: {
        resourceRules: [
          { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
          {
            verbs: ['create'],
            apiGroups: ['authorization.k8s.io'],
            resources: ['selfsubjectaccessreviews'],
            resourceNames: [],
          },
        ],
        nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }],
        incomplete: true,
      },
    });
    assert.deepEqual(r.resourceRules, [
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews'], verbs: ['create'] },
    ]);
    assert.equal(r.incomplete, true);
    assert.deepEqual(
      parseSelfSubjectReview({
        status: { userInfo: { username: 'system:serviceaccount:n:sa', groups: ['system:serviceaccounts'] } },
      }),
      { username: 'system:serviceaccount:n:sa', groups: ['system:serviceaccounts'] },
    );
  });

  it('namespace lists and OpenShift detection', function () {
    assert.deepEqual(namesFromList({ items: [{ metadata: { name: 'b' } }, { metadata: { name: 'a' } }] }), ['a', 'b']);
    assert.equal(isOpenShiftFromGroups(['apps', 'project.openshift.io']), true);
    assert.equal(isOpenShiftFromGroups(['apps', 'rbac.authorization.k8s.io']), false);
  });
});

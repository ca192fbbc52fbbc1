import * as assert from 'node:assert/strict';
import * as yaml from 'js-yaml';
import { buildKubeconfig, certificateAuthorityData, contextNames, defaultNamePrefix, renderKubeconfigYaml, type KubeconfigDocument, type KubeconfigInput } from '../../src/core/kubeconfig/build';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0LXN1YmplY3QifQ.c2lnbmF0dXJlLXRlc3Q';

function input(overrides: Partial<KubeconfigInput> = {}): KubeconfigInput {
  return { server: 'https://127.0.0.1:6443', certificateAuthority: PEM, token: TOKEN, namePrefix: 'kind-myexample-sa', namespaces: ['myexample'], ...overrides };
}

describe('buildKubeconfig', () => {
  it('has one cluster with the CA embedded, one user with the token and one context with the namespace', () => {
    const parsed = yaml.load(renderKubeconfigYaml(buildKubeconfig(input()))) as KubeconfigDocument;
    assert.equal(parsed.apiVersion, 'v1');
    assert.equal(parsed.kind, 'Config');
    assert.deepEqual(parsed.clusters, [{ name: 'kind-myexample-sa', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from(PEM).toString('base64') } }]);
    assert.deepEqual(parsed.users, [{ name: 'kind-myexample-sa', user: { token: TOKEN } }]);
    assert.deepEqual(parsed.contexts, [{ name: 'kind-myexample-sa', context: { cluster: 'kind-myexample-sa', user: 'kind-myexample-sa', namespace: 'myexample' } }]);
    assert.equal(parsed['current-context'], 'kind-myexample-sa');
  });

  it('makes one context per namespace named <prefix>-<namespace>, the first current', () => {
    const doc = buildKubeconfig(input({ namespaces: ['team-a', 'team-b'] }));
    assert.deepEqual(doc.contexts.map((c) => [c.name, c.context.namespace]), [['kind-myexample-sa-team-a', 'team-a'], ['kind-myexample-sa-team-b', 'team-b']]);
    assert.equal(doc['current-context'], 'kind-myexample-sa-team-a');
    assert.ok(doc.contexts.some((c) => c.name === doc['current-context']));
    assert.deepEqual(contextNames('p', ['x']), ['p']);
  });

  it('accepts the CA as PEM, base64 or bytes, all giving the same data', () => {
    const expected = Buffer.from(PEM).toString('base64');
    assert.equal(certificateAuthorityData(PEM), expected);
    assert.equal(certificateAuthorityData(expected), expected);
    assert.equal(certificateAuthorityData(new TextEncoder().encode(PEM)), expected);
  });

  it('refuses a CA that is not a certificate', () => {
    assert.throws(() => buildKubeconfig(input({ certificateAuthority: 'bm90IGEgY2VydA==' })), /not a PEM certificate/);
  });

  it('sets insecure-skip-tls-verify only when asked, and then leaves the CA out', () => {
    const secure = buildKubeconfig(input()).clusters[0].cluster;
    assert.equal(secure['insecure-skip-tls-verify'], undefined);
    const insecure = buildKubeconfig(input({ insecureSkipTlsVerify: true })).clusters[0].cluster;
    assert.equal(insecure['insecure-skip-tls-verify'], true);
    assert.equal(insecure['certificate-authority-data'], undefined);
  });

  it('refuses a bad server, a missing token and no namespaces, all at once', () => {
    assert.throws(() => buildKubeconfig(input({ server: 'localhost:6443', token: '', namespaces: [] })), /3 problems/);
  });

  it('writes a header comment with what the token may do, without the token', () => {
    const text = renderKubeconfigYaml(buildKubeconfig(input()), {
      serviceAccount: 'myexample-sa', serviceAccountNamespace: 'myexample', sourceContext: 'kind-local', namespaces: ['myexample'],
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }], roleRefs: [{ kind: 'ClusterRole', name: 'view' }],
      expiresAt: new Date('2030-01-02T03:04:05Z'),
    });
    const header = text.split('\n').filter((l) => l.startsWith('#')).join('\n');
    assert.match(header, /Service account: myexample\/myexample-sa \(created with context "kind-local"\)/);
    assert.match(header, /Rules: pods:get,list/);
    assert.match(header, /Bound roles: ClusterRole\/view/);
    assert.match(header, /Token expires: 2030-01-02T03:04:05.000Z/);
    assert.ok(!header.includes(TOKEN));
    assert.equal((yaml.load(text) as Record<string, unknown>).kind, 'Config');
  });

  it('derives the default prefix from context and service account', () => {
    assert.equal(defaultNamePrefix('kind-local', 'ci'), 'kind-local-ci');
  });
});

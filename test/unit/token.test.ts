// core/token without a cluster: the TokenRequest body, the granted lifetime, Secret reading.
import * as assert from 'node:assert/strict';

import {
  backoffDelay,
  parseTokenRequest,
  readTokenSecret,
  tokenRequestBody,
  tokenRequestPath,
  tokenSecretsOf,
} from '../../src/core/token/token';

describe('token', function () {
  it('TokenRequest body: lifetime, API server audience, optional Secret binding', function () {
    assert.deepEqual(tokenRequestBody(3600), {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: null, expirationSeconds: 3600 },
    });
    assert.deepEqual(tokenRequestBody(600, { name: 'b', uid: 'u1' }).spec.boundObjectRef, {
      apiVersion: 'v1',
      kind: 'Secret',
      name: 'b',
      uid: 'u1',
    });
    assert.equal(tokenRequestPath('a b', 'sa'), '/api/v1/namespaces/a%20b/serviceaccounts/sa/token');
  });

  it('reads the granted lifetime from status.expirationTimestamp and notices a shortened one', function () {
    const issued = new Date('2026-01-01T00:00:00Z');
    const full = parseTokenRequest(
      { status: { token: 't', expirationTimestamp: '2026-01-02T00:00:00Z' } },
      86400,
      issued,
    );
    assert.deepEqual(full, {
      token: 't',
      expiresAt: '2026-01-02T00:00:00.000Z',
      grantedSeconds: 86400,
      shortened: false,
    });
    const capped = parseTokenRequest(
      { status: { token: 't', expirationTimestamp: '2026-01-01T02:00:00Z' } },
      86400,
      issued,
    );
    assert.equal(capped.grantedSeconds, 7200);
    assert.equal(capped.shortened, true);
    assert.throws(() => parseTokenRequest({ status: {} }, 1, issued), /no token/);
  });

  it('a token Secret is read only once the controller filled it', function () {
    assert.equal(readTokenSecret({ metadata: { name: 's' }, data: {} }), undefined);
    const filled = readTokenSecret({
      metadata: { name: 's' },
      data: { token: Buffer.from('abc').toString('base64'), 'ca.crt': Buffer.from('PEM').toString('base64') },
    });
    assert.deepEqual(filled, { token: 'abc', caPem: 'PEM' });
  });

  it("finds a service account's token Secrets by .secrets or annotation, newest first", function () {
    const t = 'kubernetes.io/service-account-token';
    const found = tokenSecretsOf({ metadata: { name: 'sa' }, secrets: [{ name: 'listed' }] }, [
      { metadata: { name: 'listed', creationTimestamp: '2024-01-01T00:00:00Z' }, type: t },
      {
        metadata: {
          name: 'annotated',
          creationTimestamp: '2025-01-01T00:00:00Z',
          annotations: { 'kubernetes.io/service-account.name': 'sa' },
        },
        type: t,
      },
      { metadata: { name: 'other-sa', annotations: { 'kubernetes.io/service-account.name': 'other' } }, type: t },
      { metadata: { name: 'dockercfg' }, type: 'kubernetes.io/dockercfg' },
    ]);
    assert.deepEqual(
      found.map((s) => s.metadata.name),
      ['annotated', 'listed'],
    );
  });

  it('polls with backoff from 100 ms up to 2 s', function () {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 10].map(backoffDelay), [100, 200, 400, 800, 1600, 2000, 2000]);
  });
});

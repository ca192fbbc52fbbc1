// The pure parts of credentials: JWT claims, credential records from Secret metadata, duration checks, the ledger
// merge (and its file, concurrently written), revocation selection.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { issueAccessChecks, issueSpecProblems } from '../../src/core/credentials/issue';
import {
  forgetCredentials,
  ledgerPath,
  mergeLedgerEntries,
  readLedger,
  recordCredentials,
  removeLedgerEntries,
  sanitizeEntry,
  type LedgerEntry,
} from '../../src/core/credentials/ledger';
import { assembleCredentials } from '../../src/core/credentials/list';
import {
  credentialFromSecret,
  credentialMatches,
  credentialSecretBody,
  durationProblems,
  isDueForRevocation,
  shortCredentialId,
  tokenClaims,
  type Credential,
} from '../../src/core/credentials/model';
import { selectCredentials } from '../../src/core/credentials/revoke';
import { isSaKubeconfigError } from '../../src/core/errors';

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (payload: unknown) => `${b64url({ alg: 'RS256' })}.${b64url(payload)}.c2lnbmF0dXJl`;
const managed = { 'app.kubernetes.io/managed-by': 'sa-kubeconfig' };
const now = new Date('2026-12-01T12:00:00Z');

function secret(
  name: string,
  annotations: Record<string, string>,
  opts: { labels?: Record<string, string>; type?: string; created?: string } = {},
) {
  return {
    metadata: {
      name,
      labels: opts.labels ?? managed,
      annotations,
      creationTimestamp: opts.created ?? '2026-12-01T10:00:00Z',
    },
    ...(opts.type ? { type: opts.type } : {}),
  };
}

describe('credentials (pure)', function () {
  it('reads jti, exp and the bound Secret from a JWT payload; anything else gives no claims', function () {
    const token = jwt({
      jti: '3f9a1c2b-aaaa-bbbb-cccc-000000000000',
      exp: 1764590400,
      iat: 1764586800,
      sub: 'system:serviceaccount:ci:deployer',
      'kubernetes.io': { secret: { name: 'deployer-cred-abcde' } },
    });
    assert.deepEqual(tokenClaims(token), {
      jti: '3f9a1c2b-aaaa-bbbb-cccc-000000000000',
      iat: 1764586800,
      exp: 1764590400,
      sub: 'system:serviceaccount:ci:deployer',
      boundSecretName: 'deployer-cred-abcde',
    });
    assert.deepEqual(tokenClaims('not-a-jwt'), {});
    assert.deepEqual(tokenClaims('a.%%%.c'), {});
    assert.equal(shortCredentialId('3f9a1c2b-aaaa-bbbb-cccc-000000000000'), '3f9a1c2b');
  });

  it('refuses lifetimes the server would refuse, and above a known cap', function () {
    assert.deepEqual(durationProblems(3600), []);
    assert.match(durationProblems(300)[0], /at least 10m.*got 5m/);
    assert.match(durationProblems(599)[0], /at least 10m/);
    assert.match(durationProblems(2 ** 32)[0], /too long/);
    assert.match(durationProblems(7200, 3600)[0], /longer than this cluster grants \(1h\)/);
    assert.match(
      issueSpecProblems({ namespace: 'ci', serviceAccount: 'd', kind: 'bound', durationSeconds: 300 })[0],
      /at least 10m/,
    );
    assert.deepEqual(issueSpecProblems({ namespace: 'ci', serviceAccount: 'd', kind: 'longLived' }), []);
    assert.match(issueSpecProblems({ namespace: 'ci', serviceAccount: 'd', note: 'a\nb' })[0], /one line/);
  });

  it('asks for exactly the rights each kind needs', function () {
    const d = (kind: 'bound' | 'longLived' | 'unbound' | 'existing') =>
      issueAccessChecks({ namespace: 'ci', kind }).map((c) => c.description);
    assert.deepEqual(d('bound'), [
      'create secrets in namespace "ci"',
      'create serviceaccounts/token in namespace "ci"',
    ]);
    assert.deepEqual(d('longLived'), ['create secrets in namespace "ci"', 'get secrets in namespace "ci"']);
    assert.deepEqual(d('unbound'), ['create serviceaccounts/token in namespace "ci"']);
  });

  it('a credential Secret is labelled, annotated and generated per credential', function () {
    const b = credentialSecretBody({
      namespace: 'ci',
      serviceAccount: 'deployer',
      kind: 'bound',
      note: 'github-actions deploy',
    });
    assert.equal(b.metadata.generateName, 'deployer-cred-');
    assert.equal(b.metadata.name, undefined);
    assert.equal(b.type, 'Opaque');
    assert.deepEqual(b.metadata.labels, managed);
    assert.equal(b.metadata.annotations['sa-kubeconfig.io/service-account'], 'ci/deployer');
    assert.equal(b.metadata.annotations['sa-kubeconfig.io/credential-kind'], 'bound');
    assert.equal(b.metadata.annotations['sa-kubeconfig.io/note'], 'github-actions deploy');
    const l = credentialSecretBody({ namespace: 'ci', serviceAccount: 'deployer', kind: 'longLived' });
    assert.equal(l.type, 'kubernetes.io/service-account-token');
    assert.equal(l.metadata.annotations['kubernetes.io/service-account.name'], 'deployer');
  });

  it(
    'parses credentials from Secret metadata: bound, long-lived, earlier deterministic names, ' +
      'legacy, superseded, expired',
    function () {
      const bound = credentialFromSecret(
        secret('deployer-cred-abcde', {
          'sa-kubeconfig.io/service-account': 'ci/deployer',
          'sa-kubeconfig.io/credential-kind': 'bound',
          'sa-kubeconfig.io/credential-id': '3f9a1c2b-aaaa-bbbb-cccc-000000000000',
          'sa-kubeconfig.io/expires-at': '2026-12-02T10:00:00Z',
          'sa-kubeconfig.io/note': 'ci',
        }),
        'ci',
        'deployer',
        now,
      )!;
      assert.deepEqual(
        {
          id: bound.id,
          kind: bound.kind,
          state: bound.state,
          secretName: bound.secretName,
          expiresAt: bound.expiresAt,
          note: bound.note,
          revocable: bound.revocable,
          managed: bound.managed,
        },
        {
          id: '3f9a1c2b',
          kind: 'bound',
          state: 'active',
          secretName: 'deployer-cred-abcde',
          expiresAt: '2026-12-02T10:00:00Z',
          note: 'ci',
          revocable: true,
          managed: true,
        },
      );
      const expired = credentialFromSecret(
        secret('x', {
          'sa-kubeconfig.io/service-account': 'ci/deployer',
          'sa-kubeconfig.io/credential-kind': 'bound',
          'sa-kubeconfig.io/expires-at': '2026-12-01T11:00:00Z',
        }),
        'ci',
        'deployer',
        now,
      )!;
      assert.equal(expired.state, 'expired');
      assert.equal(expired.id, 'x', 'without a jti the Secret name is the id');
      const oldBinding = credentialFromSecret(
        secret('deployer-token-binding', { 'sa-kubeconfig.io/service-account': 'ci/deployer' }),
        'ci',
        'deployer',
        now,
      )!;
      assert.equal(oldBinding.kind, 'bound');
      assert.equal(oldBinding.sharedSecret, true);
      const oldLongLived = credentialFromSecret(
        secret('deployer-token', {
          'sa-kubeconfig.io/service-account': 'ci/deployer',
          'kubernetes.io/service-account.name': 'deployer',
        }),
        'ci',
        'deployer',
        now,
      )!;
      assert.equal(oldLongLived.kind, 'longLived');
      const legacy = credentialFromSecret(
        secret(
          'deployer-token-x7k2p',
          { 'kubernetes.io/service-account.name': 'deployer' },
          { labels: {}, type: 'kubernetes.io/service-account-token' },
        ),
        'ci',
        'deployer',
        now,
      )!;
      assert.deepEqual([legacy.kind, legacy.managed], ['legacy', false]);
      assert.equal(
        credentialFromSecret(
          secret('other', { 'kubernetes.io/service-account.name': 'other' }, { labels: {} }),
          'ci',
          'deployer',
          now,
        ),
        undefined,
      );
      assert.equal(
        credentialFromSecret(
          secret('mine-for-b', { 'sa-kubeconfig.io/service-account': 'ci/b' }),
          'ci',
          'deployer',
          now,
        ),
        undefined,
      );
      const superseded = credentialFromSecret(
        secret('s', {
          'sa-kubeconfig.io/service-account': 'ci/deployer',
          'sa-kubeconfig.io/credential-kind': 'bound',
          'sa-kubeconfig.io/superseded-at': '2026-12-01T11:50:00Z',
          'sa-kubeconfig.io/revoke-after': '2026-12-01T12:05:00Z',
        }),
        'ci',
        'deployer',
        now,
      )!;
      assert.equal(superseded.state, 'superseded');
      assert.equal(isDueForRevocation(superseded, now), false);
      assert.equal(isDueForRevocation(superseded, new Date('2026-12-01T12:06:00Z')), true);
    },
  );

  it(
    'matches ids by short jti, full jti or Secret name; ' + 'selection refuses unknown ids and keeps --all to our own',
    function () {
      const c = { id: '3f9a1c2b', jti: '3f9a1c2b-aaaa-bbbb-cccc-000000000000', secretName: 'deployer-cred-abcde' };
      for (const q of ['3f9a1c2b', '3f9a1c2b-aaaa-bbbb-cccc-000000000000', 'deployer-cred-abcde', '3f9a1c2baaaa'])
        assert.ok(credentialMatches(c, q), q);
      for (const q of ['', '3f9', 'deployer-cred']) assert.ok(!credentialMatches(c, q), q);
      const base = { namespace: 'ci', serviceAccount: 'd', destinations: [], revocable: true as const };
      const list: Credential[] = [
        { ...base, id: 'a1', kind: 'bound', state: 'active', secretName: 'd-cred-a', managed: true },
        { ...base, id: 'b2', kind: 'bound', state: 'expired', secretName: 'd-cred-b', managed: true },
        {
          ...base,
          id: 'c3',
          kind: 'bound',
          state: 'superseded',
          secretName: 'd-cred-c',
          managed: true,
          supersededAt: '2026-12-01T11:00:00Z',
        },
        { ...base, id: 'd-token-x', kind: 'legacy', state: 'active', secretName: 'd-token-x', managed: false },
      ];
      assert.deepEqual(
        selectCredentials(list, { all: true }, now).map((x) => x.id),
        ['a1', 'b2', 'c3'],
      );
      assert.deepEqual(
        selectCredentials(list, { expired: true }, now).map((x) => x.id),
        ['b2'],
      );
      assert.deepEqual(
        selectCredentials(list, { superseded: true }, now).map((x) => x.id),
        ['c3'],
      );
      assert.deepEqual(
        selectCredentials(list, { ids: ['d-token-x'] }, now).map((x) => x.id),
        ['d-token-x'],
      );
      assert.throws(
        () => selectCredentials(list, { ids: ['nope'] }, now),
        (e: unknown) => isSaKubeconfigError(e, 'notFound') && /Nothing was revoked/.test(e.message),
      );
    },
  );

  it('joins the ledger: destinations onto credentials, unbound tokens from the ledger alone', function () {
    const entry = (id: string, extra: Partial<LedgerEntry> = {}): LedgerEntry => ({
      server: 'https://k',
      context: 'admin',
      namespace: 'ci',
      serviceAccount: 'deployer',
      id,
      kind: 'bound',
      issuedAt: '2026-12-01T10:00:00Z',
      destinations: [],
      ...extra,
    });
    const secrets = [
      secret('deployer-cred-abcde', {
        'sa-kubeconfig.io/service-account': 'ci/deployer',
        'sa-kubeconfig.io/credential-kind': 'bound',
        'sa-kubeconfig.io/credential-id': '3f9a1c2b-0',
      }),
    ];
    const out = assembleCredentials(
      secrets,
      'ci',
      undefined,
      [
        entry('3f9a1c2b', { destinations: [{ kind: 'file', path: '/tmp/ci.kubeconfig' }] }),
        entry('9e8d7c6b', { kind: 'unbound', expiresAt: '2026-12-01T13:00:00Z' }),
        entry('gone', { secretName: 'deployer-cred-zzzzz' }),
        entry('other-server', { server: 'https://other', kind: 'unbound' }),
      ],
      'https://k',
      now,
    );
    assert.deepEqual(
      out.map((c) => [c.id, c.kind, c.state, c.destinations.length]),
      [
        ['3f9a1c2b', 'bound', 'active', 1],
        ['9e8d7c6b', 'unbound', 'active', 0],
      ],
    );
    assert.equal(out[1].revocable, false);
  });

  it(
    'merges ledger entries (destinations unioned), removes by key, ' + 'drops long-dead ones and never keeps a token',
    function () {
      const e: LedgerEntry = {
        server: 's',
        context: 'c',
        namespace: 'n',
        serviceAccount: 'a',
        id: 'x',
        kind: 'bound',
        issuedAt: '2026-12-01T00:00:00Z',
        expiresAt: '2026-12-02T00:00:00Z',
        destinations: [{ kind: 'file', path: '/a' }],
      };
      const merged = mergeLedgerEntries(
        [e],
        [{ ...e, destinations: [{ kind: 'file', path: '/a' }, { kind: 'editor' }] }],
        now,
      );
      assert.deepEqual(merged[0].destinations, [{ kind: 'file', path: '/a' }, { kind: 'editor' }]);
      assert.equal(mergeLedgerEntries([{ ...e, expiresAt: '2026-10-01T00:00:00Z' }], [], now).length, 0);
      assert.deepEqual(removeLedgerEntries(merged, [{ server: 's', namespace: 'n', id: 'x' }]), []);
      const withToken = {
        ...e,
        token: 'eyJhbGciOi.secret.sig',
        destinations: [{ kind: 'file', path: '/a', token: 't' }],
      } as unknown as LedgerEntry;
      assert.doesNotMatch(JSON.stringify(sanitizeEntry(withToken)), /token|secret\.sig/);
    },
  );

  it(
    'the ledger file: under XDG_CONFIG_HOME or the env override, 0600, ' + 'and concurrent writers lose nothing',
    async function () {
      assert.equal(ledgerPath({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/u'), '/x/cfg/sa-kubeconfig/ledger.json');
      assert.equal(ledgerPath({}, '/home/u'), '/home/u/.config/sa-kubeconfig/ledger.json');
      assert.equal(ledgerPath({ SA_KUBECONFIG_LEDGER: '/t/l.json', XDG_CONFIG_HOME: '/x' }, '/home/u'), '/t/l.json');
      const dir = mkdtempSync(path.join(tmpdir(), 'sak-ledger-'));
      try {
        const file = path.join(dir, 'sub', 'ledger.json');
        const entry = (i: number): LedgerEntry => ({
          server: 's',
          context: 'c',
          namespace: 'n',
          serviceAccount: 'a',
          id: `id${i}`,
          kind: 'bound',
          issuedAt: now.toISOString(),
          destinations: [],
        });
        await Promise.all(Array.from({ length: 20 }, (_, i) => recordCredentials([entry(i)], file)));
        assert.equal((await readLedger(file)).entries.length, 20);
        assert.equal(statSync(file).mode & 0o777, 0o600);
        await forgetCredentials([{ server: 's', namespace: 'n', id: 'id3' }], file);
        const left = JSON.parse(readFileSync(file, 'utf8')) as { entries: LedgerEntry[] };
        assert.equal(left.entries.length, 19);
        assert.ok(!left.entries.some((x) => x.id === 'id3'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

// The expiry watch's pure parts (issue 12): the window (expiring vs expired vs later), which kubeconfig user entries
// still hold a ledger credential (by jti, never by printing the token), the places read from files, and renew's
// helpers (ledger lookup, the original lifetime, the header's new expiry).
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

import {
  classifyExpiry,
  describeExpiresIn,
  findExpiring,
  holdersIn,
  tokenIsCredential,
} from '../../src/core/credentials/expiry';
import { recordCredentials, type LedgerEntry } from '../../src/core/credentials/ledger';
import { findLedgerEntry, originalLifetimeSeconds, renewedHeader } from '../../src/core/credentials/renew';
import type { KubeconfigDocument } from '../../src/core/kubeconfig/build';

function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(claims)}.c2lnbmF0dXJl`;
}

const JTI_A = '1a2b3c4d-0000-4000-8000-000000000001';
const JTI_B = '9f8e7d6c-0000-4000-8000-000000000002';

function entry(over: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    server: 'https://127.0.0.1:6443',
    context: 'admin',
    namespace: 'ci',
    serviceAccount: 'deployer',
    id: '1a2b3c4d',
    jti: JTI_A,
    kind: 'bound',
    issuedAt: '2026-12-01T00:00:00.000Z',
    expiresAt: '2026-12-02T00:00:00.000Z',
    destinations: [],
    ...over,
  };
}

function kubeconfig(users: [string, string][], contexts: [string, string][] = []): KubeconfigDocument {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
    users: users.map(([name, token]) => ({ name, user: { token } })),
    contexts: contexts.map(([name, user]) => ({ name, context: { cluster: 'c', user } })),
  };
}

describe('expiry watch (issue 12)', function () {
  describe('classifyExpiry', function () {
    const now = new Date('2026-12-01T12:00:00Z');
    const at = (iso?: string) => ({ expiresAt: iso });

    it('takes what expires inside the window, soonest first; expired apart, most recent first', function () {
      const r = classifyExpiry(
        [
          at('2026-12-05T00:00:00Z'),
          at('2026-12-01T13:00:00Z'),
          at('2026-12-01T11:00:00Z'),
          at('2026-11-30T00:00:00Z'),
          at('2026-12-20T00:00:00Z'),
          at(undefined),
          at('not a date'),
        ],
        now,
        7 * 86400,
      );
      assert.deepEqual(
        r.expiring.map((e) => e.expiresAt),
        ['2026-12-01T13:00:00Z', '2026-12-05T00:00:00Z'],
      );
      assert.deepEqual(
        r.expired.map((e) => e.expiresAt),
        ['2026-12-01T11:00:00Z', '2026-11-30T00:00:00Z'],
      );
    });

    it('the window edge is inclusive; expiring exactly now counts as expired', function () {
      const r = classifyExpiry([at('2026-12-01T12:30:00Z'), at('2026-12-01T12:00:00Z')], now, 30 * 60);
      assert.deepEqual(
        r.expiring.map((e) => e.expiresAt),
        ['2026-12-01T12:30:00Z'],
      );
      assert.equal(r.expired.length, 1);
      assert.equal(classifyExpiry([at('2026-12-01T12:30:01Z')], now, 30 * 60).expiring.length, 0);
    });
  });

  describe('holding a credential', function () {
    it('a token is the credential when its jti is the ledger jti (or its short form is the id)', function () {
      assert.equal(tokenIsCredential(jwt({ jti: JTI_A }), entry()), true);
      assert.equal(tokenIsCredential(jwt({ jti: JTI_B }), entry()), false);
      assert.equal(tokenIsCredential(jwt({ jti: JTI_A }), { id: '1a2b3c4d' }), true);
      assert.equal(tokenIsCredential('not-a-jwt', entry()), false);
      assert.equal(tokenIsCredential(undefined, entry()), false);
      assert.equal(tokenIsCredential(jwt({ sub: 'x' }), entry()), false);
    });

    it('finds the users holding it and the contexts using them; a merged context narrows to its user', function () {
      const doc = kubeconfig(
        [
          ['mine', jwt({ jti: JTI_A })],
          ['copy', jwt({ jti: JTI_A })],
          ['theirs', jwt({ jti: JTI_B })],
        ],
        [
          ['mine-ctx', 'mine'],
          ['mine-ctx-2', 'mine'],
          ['copy-ctx', 'copy'],
          ['theirs-ctx', 'theirs'],
        ],
      );
      assert.deepEqual(holdersIn(doc, entry()), {
        users: ['mine', 'copy'],
        contexts: ['mine-ctx', 'mine-ctx-2', 'copy-ctx'],
      });
      assert.deepEqual(holdersIn(doc, entry(), 'copy-ctx'), { users: ['copy'], contexts: ['copy-ctx'] });
      assert.deepEqual(holdersIn(doc, entry(), 'theirs-ctx'), { users: [], contexts: [] });
    });
  });

  describe('findExpiring over the ledger and real files', function () {
    let dir: string;
    beforeEach(function () {
      dir = mkdtempSync(path.join(tmpdir(), 'sak-expiry-'));
    });
    afterEach(function () {
      rmSync(dir, { recursive: true, force: true });
    });

    it('lists a credential once per file that holds it (not editor-only or deleted files)', async function () {
      const ledger = path.join(dir, 'ledger.json');
      const held = path.join(dir, 'held.kubeconfig');
      const merged = path.join(dir, 'merged.kubeconfig');
      const replaced = path.join(dir, 'replaced.kubeconfig');
      writeFileSync(held, yaml.dump(kubeconfig([['u', jwt({ jti: JTI_A })]])));
      writeFileSync(
        merged,
        yaml.dump(
          kubeconfig(
            [
              ['other', 'x'],
              ['u', jwt({ jti: JTI_A })],
            ],
            [
              ['other', 'other'],
              ['u-ctx', 'u'],
            ],
          ),
        ),
      );
      writeFileSync(replaced, yaml.dump(kubeconfig([['u', jwt({ jti: JTI_B })]])));
      await recordCredentials(
        [
          entry({
            destinations: [
              { kind: 'file', path: held },
              { kind: 'merge', path: merged, context: 'u-ctx' },
              { kind: 'file', path: replaced },
              { kind: 'merge', path: held },
              { kind: 'file', path: path.join(dir, 'deleted.kubeconfig') },
              { kind: 'editor' },
            ],
          }),
          entry({ id: 'editoronly', jti: JTI_B, destinations: [{ kind: 'editor' }] }),
          entry({ id: 'later', jti: JTI_B, expiresAt: '2027-06-01T00:00:00Z', destinations: [] }),
        ],
        ledger,
      );
      const r = await findExpiring(7 * 86400, { now: new Date('2026-12-01T12:00:00Z'), ledger });
      assert.equal(r.expiring.length, 1);
      assert.equal(r.expiring[0].entry.id, '1a2b3c4d');
      assert.equal(r.expiring[0].expiresInSeconds, 12 * 3600);
      assert.deepEqual(r.expiring[0].places, [
        { kind: 'file', path: held, users: ['u'], contexts: [] },
        { kind: 'merge', path: merged, context: 'u-ctx', users: ['u'], contexts: ['u-ctx'] },
      ]);
      const later = await findExpiring(7 * 86400, { now: new Date('2026-12-03T00:00:00Z'), ledger });
      assert.equal(later.expiring.length, 0);
      assert.deepEqual(
        later.expired.map((c) => c.entry.id),
        ['1a2b3c4d'],
      );
    });

    it('an empty or missing ledger is nothing expiring', async function () {
      const r = await findExpiring(86400, { ledger: path.join(dir, 'none.json') });
      assert.deepEqual([r.expiring, r.expired], [[], []]);
    });
  });

  describe('renew helpers', function () {
    it('findLedgerEntry by id, jti or prefix; unknown and ambiguous ids are refused', function () {
      const entries = [entry(), entry({ id: '9f8e7d6c', jti: JTI_B, serviceAccount: 'other' })];
      assert.equal(findLedgerEntry(entries, '1a2b3c4d').jti, JTI_A);
      assert.equal(findLedgerEntry(entries, JTI_B).serviceAccount, 'other');
      assert.throws(() => findLedgerEntry(entries, 'ffffffff'), /No credential "ffffffff" in the local ledger/);
      const twice = [entry(), entry({ server: 'https://elsewhere:6443' })];
      assert.throws(() => findLedgerEntry(twice, '1a2b3c4d'), /matches 2 credentials/);
      assert.equal(findLedgerEntry(twice, '1a2b3c4d', 'https://elsewhere:6443').server, 'https://elsewhere:6443');
    });

    it('the original lifetime, to the minute, at least 10 minutes', function () {
      assert.equal(originalLifetimeSeconds(entry()), 86400);
      assert.equal(
        originalLifetimeSeconds(entry({ issuedAt: '2026-12-01T00:00:02Z', expiresAt: '2026-12-01T01:00:00Z' })),
        3600,
      );
      assert.equal(
        originalLifetimeSeconds(entry({ issuedAt: '2026-12-01T00:00:00Z', expiresAt: '2026-12-01T00:01:00Z' })),
        600,
      );
      assert.equal(originalLifetimeSeconds(entry({ expiresAt: undefined })), undefined);
    });

    it('the header keeps its lines, with the new expiry; a file without one gets none', function () {
      const text =
        '# kubeconfig for ci/deployer (sa-kubeconfig)\n# Token expires: 2026-12-01T00:00:00.000Z\napiVersion: v1\n';
      const header = renewedHeader(text, '2026-12-08T00:00:00Z');
      assert.match(
        header,
        /^# kubeconfig for ci\/deployer \(sa-kubeconfig\)\n# Token expires: 2026-12-08T00:00:00.000Z/,
      );
      assert.ok(!header.includes('apiVersion'));
      assert.equal(renewedHeader('apiVersion: v1\n', '2026-12-08T00:00:00Z'), '');
    });

    it('describeExpiresIn says how far, rounded to what matters', function () {
      assert.equal(describeExpiresIn(3 * 3600 + 20 * 60), 'in 3h20m');
      assert.equal(describeExpiresIn(2 * 86400 + 3600), 'in 2d1h');
      assert.equal(describeExpiresIn(-90), '1m ago');
      assert.equal(describeExpiresIn(20), 'in 1m');
    });
  });
});

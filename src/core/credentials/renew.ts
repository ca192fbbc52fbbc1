// Renewal: a fresh credential for a kubeconfig this machine wrote, put into the SAME file or merged entry. It is a
// rotation of exactly that credential (rotate.ts: make before break, issued through issueCredential, verified
// against the cluster); the `deliver` step here swaps the token of the user entries that hold the old credential
// and leaves everything else in the file as it was:
//   - a file (`create --out`): its user entries get the new token, its sa-kubeconfig header the new expiry, written
//     0600 atomically under the file's lock;
//   - a merged file (`--merge-into`, Merge into kubeconfig): the merge code replaces just those user entries
//     (backup, lock, 0600), so the file's other clusters, users and contexts stay.
// If writing the second of two places fails, the first gets its old user entry back before the new credential is
// taken back: no file is left holding a revoked token. The old credential then follows rotate's policy: revoked
// right away, or with a grace period marked superseded (`revoke --expired` revokes it after that).
//
// Checked before anything changes: the connection reaches the credential's API server, and some file still holds it.

import { promises as fs } from 'node:fs';
import * as yaml from 'js-yaml';

import type { Connection } from '../cluster/connect';
import { SaKubeconfigError } from '../errors';
import { withFileLocks } from '../fs/fileLock';
import { writeSecretFile } from '../fs/secretFile';
import type { KubeconfigDocument, NamedUser } from '../kubeconfig/build';
import { mergeKubeconfigIntoFile, parseKubeconfigText } from '../kubeconfig/merge';
import { MIN_TOKEN_SECONDS } from '../plan/validate';
import type { OperationOptions } from '../types';
import { holdersIn, placesOf, readKubeconfigFile, type CredentialPlace } from './expiry';
import type { LedgerEntry } from './ledger';
import { credentialMatches, type CredentialDestination } from './model';
import { rotateCredentials, type RotateCredentialsResult } from './rotate';

export interface RenewArgs {
  /** Lifetime of the new token; default: the lifetime the old one was issued with (at least 10m). */
  durationSeconds?: number;
  /** Keep the old credential working this long (marked superseded); default: revoke it once the files hold the new. */
  graceSeconds?: number;
  /** Verify the new token against the cluster before writing it (default true). */
  verify?: boolean;
  /** The ledger file (default ledgerPath()); false: none. */
  ledger?: string | false;
}

export interface RenewResult extends RotateCredentialsResult {
  /** The files (and merged contexts) that now hold the new credential. */
  places: CredentialPlace[];
}

/** The ledger entry a query names (id, jti or Secret name), among those of `server` when given. Pure. */
export function findLedgerEntry(entries: LedgerEntry[], query: string, server?: string): LedgerEntry {
  const matches = entries.filter((e) => (server === undefined || e.server === server) && credentialMatches(e, query));
  if (matches.length === 0)
    throw new SaKubeconfigError('notFound', `No credential "${query}" in the local ledger. Nothing was changed.`, {
      hint: 'Run "sa-kubeconfig expiring --within 30d" to see the credentials this machine wrote into files.',
    });
  if (matches.length > 1)
    throw new SaKubeconfigError(
      'invalidInput',
      `"${query}" matches ${matches.length} credentials in the local ledger (${matches
        .map((m) => `${m.id} of ${m.namespace}/${m.serviceAccount} on ${m.server}`)
        .join('; ')}). Nothing was changed.`,
      { hint: 'Give more characters of the id.' },
    );
  return matches[0];
}

/** The lifetime the entry was issued with, rounded to the minute, at least Kubernetes' 10 minutes. Pure. */
export function originalLifetimeSeconds(entry: Pick<LedgerEntry, 'issuedAt' | 'expiresAt'>): number | undefined {
  if (!entry.expiresAt) return undefined;
  const seconds = (Date.parse(entry.expiresAt) - Date.parse(entry.issuedAt)) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  return Math.max(MIN_TOKEN_SECONDS, Math.round(seconds / 60) * 60);
}

/** The sa-kubeconfig header of a generated file, its "Token expires" line changed to the new expiry. Pure. */
export function renewedHeader(text: string, expiresAt: string | undefined): string {
  const header: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    header.push(
      line.startsWith('# Token expires: ') && expiresAt
        ? `# Token expires: ${new Date(expiresAt).toISOString()} (renewed ${new Date().toISOString()})`
        : line,
    );
  }
  return header.length > 0 ? `${header.join('\n')}\n` : '';
}

/** Swaps the tokens of `users` into one place; returns the user entries it replaced (to put them back). */
async function writeUsers(
  place: CredentialPlace,
  entry: Pick<LedgerEntry, 'id' | 'jti'>,
  replace: (old: NamedUser) => NamedUser,
  expiresAt: string | undefined,
): Promise<NamedUser[]> {
  if (place.kind === 'merge') {
    const doc = await readKubeconfigFile(place.path);
    const held = doc ? holdersIn(doc, entry, place.context) : { users: [] as string[] };
    const old = (doc?.users ?? []).filter((u) => held.users.includes(u.name));
    if (old.length === 0) throw gone(place);
    const incoming: KubeconfigDocument = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [],
      contexts: [],
      users: old.map(replace),
    };
    await mergeKubeconfigIntoFile(place.path, incoming, 'overwrite');
    return old;
  }
  return withFileLocks([place.path], async () => {
    const text = await fs.readFile(place.path, 'utf8');
    const doc = parseKubeconfigText(text, place.path);
    const held = holdersIn(doc, entry);
    const old = doc.users.filter((u) => held.users.includes(u.name));
    if (old.length === 0) throw gone(place);
    doc.users = doc.users.map((u) => (held.users.includes(u.name) ? replace(u) : u));
    await writeSecretFile(place.path, renewedHeader(text, expiresAt) + yaml.dump(doc, { lineWidth: -1, noRefs: true }));
    return old;
  });
}

function gone(place: CredentialPlace): SaKubeconfigError {
  return new SaKubeconfigError(
    'invalidInput',
    `${place.path}${place.context ? ` (context ${place.context})` : ''} no longer holds the credential.`,
  );
}

function tokenOf(kubeconfigYaml: string): string {
  const doc = parseKubeconfigText(kubeconfigYaml, 'the new kubeconfig');
  const token = doc.users[0]?.user?.token;
  if (typeof token !== 'string' || token === '')
    throw new SaKubeconfigError('server', 'The new kubeconfig has no token.');
  return token;
}

/**
 * Renews the ledger credential `entry` in every file that still holds it (see the top of this file). `conn` must
 * reach the credential's API server.
 */
export async function renewCredential(
  conn: Connection,
  entry: LedgerEntry,
  args: RenewArgs = {},
  options: OperationOptions = {},
): Promise<RenewResult> {
  if (conn.server !== entry.server) {
    throw new SaKubeconfigError(
      'invalidInput',
      `Credential ${entry.id} belongs to ${entry.server}, ` +
        `but context "${conn.contextName}" points at ${conn.server}. ` +
        'Nothing was changed.',
      { hint: 'Choose the context of that cluster with --context.' },
    );
  }
  if (entry.kind !== 'bound' && entry.kind !== 'unbound') {
    throw new SaKubeconfigError(
      'invalidInput',
      `Credential ${entry.id} is a ${entry.kind} token that does not expire; renew is for time-bound tokens. ` +
        'Nothing was changed.',
      { hint: 'Use "sa-kubeconfig rotate" to replace it.' },
    );
  }
  const places = await placesOf(entry);
  if (places.length === 0) {
    throw new SaKubeconfigError(
      'invalidInput',
      `No file recorded for credential ${entry.id} still holds it (${
        entry.destinations.map((d) => ('path' in d ? d.path : d.kind)).join(', ') || 'no file'
      }). Nothing was changed.`,
      { hint: 'Use "sa-kubeconfig rotate" to get a new kubeconfig.' },
    );
  }
  const durationSeconds = args.durationSeconds ?? originalLifetimeSeconds(entry) ?? 86400;

  const result = await rotateCredentials(
    conn,
    {
      namespace: entry.namespace,
      serviceAccount: entry.serviceAccount,
      kind: entry.kind,
      durationSeconds,
      ...(entry.note ? { note: entry.note } : {}),
      credentialIds: [entry.jti ?? entry.id],
      ...(args.graceSeconds ? { graceSeconds: args.graceSeconds } : {}),
      verify: args.verify !== false,
      ...(args.ledger !== undefined ? { ledger: args.ledger } : {}),
    },
    async (fresh) => {
      const token = tokenOf(fresh.kubeconfigYaml);
      const done: { place: CredentialPlace; old: NamedUser[] }[] = [];
      try {
        for (const place of places) {
          const old = await writeUsers(
            place,
            entry,
            (u) => ({ ...u, user: { ...u.user, token } }),
            fresh.credential.expiresAt,
          );
          done.push({ place, old });
        }
      } catch (err) {
        // Put the old user entries back where the new token already went, then let rotate take the new one back.
        for (const { place, old } of done.reverse()) {
          const byName = new Map(old.map((u) => [u.name, u]));
          await writeUsers(place, fresh.credential, (u) => byName.get(u.name) ?? u, entry.expiresAt).catch(
            (restoreErr: Error) => options.logger?.warn(`Could not restore ${place.path}: ${restoreErr.message}`),
          );
        }
        throw err;
      }
      return places.map((p): CredentialDestination =>
        p.kind === 'merge'
          ? { kind: 'merge', path: p.path, ...(p.context ? { context: p.context } : {}) }
          : { kind: 'file', path: p.path },
      );
    },
    options,
  );
  return { ...result, places };
}

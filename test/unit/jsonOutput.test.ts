// --output json: every exit path of every command prints exactly one parseable document on stdout, and credentials
// are redacted key by key, never by a regex over the serialised text. The paths that need a cluster (refused,
// forbidden, not found, verification failed) are in test/integration/jsonOutput.test.ts.
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

import { COMMAND_NAMES, loadCommands, runCli } from '../../src/cli/cli';
import { EXIT, reportError, ReportSink, requestedFormat, type CliIo } from '../../src/cli/io';
import { SaKubeconfigError } from '../../src/core/errors';
import { redactStructured } from '../../src/core/redact';

// Made-up values of the right shapes (not real credentials).
const JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bnM6c2EifQ.' +
  'c2lnbmF0dXJlLW5vdC1yZWFsLWF0LWFsbA';
const OPAQUE = 'sha256~Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0';

function capture(): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: (t) => {
        out += t;
      },
      stderr: (t) => {
        err += t;
      },
      interactive: false,
      confirm: async () => false,
      env: {},
    },
    out: () => out,
    err: () => err,
  };
}

interface ErrorDoc {
  error: { exitCode: number; code: string; message: string };
}

/** Runs the CLI in-process and parses stdout as exactly one JSON document. */
async function runJson(argv: string[]): Promise<{ code: number; doc: Record<string, unknown>; err: string }> {
  const c = capture();
  const code = await runCli(argv, c.io);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(c.out()) as Record<string, unknown>;
  } catch (error) {
    assert.fail(`stdout of "${argv.join(' ')}" is not one JSON document (${(error as Error).message}):\n${c.out()}`);
  }
  return { code, doc, err: c.err() };
}

describe('--output json: one parseable document on every exit path', () => {
  let dir: string;
  let unreachable: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sak-json-'));
    unreachable = path.join(dir, 'unreachable.kubeconfig');
    await fs.writeFile(
      unreachable,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'c',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'u', user: { token: OPAQUE } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      }),
      { mode: 0o600 },
    );
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const cluster = [
    'create',
    'verify',
    'list',
    'rotate',
    'revoke',
    'delete',
    'usage',
    'shrink',
    'discover',
    'audit',
    'migrate',
  ];
  it('names every command of the CLI (a new command needs its exit paths here)', async () => {
    assert.deepEqual([...COMMAND_NAMES].sort(), [...cluster, 'presets', 'expiring', 'renew'].sort());
    // Each loader gives the command of its name.
    assert.deepEqual(
      (await loadCommands()).map((c) => c.name),
      COMMAND_NAMES,
    );
  });

  for (const name of [...cluster, 'presets', 'expiring', 'renew']) {
    it(`${name}: a usage error is a JSON error document with exit code 2`, async () => {
      const { code, doc } = await runJson([name, '--no-such-flag', '-o', 'json']);
      assert.equal(code, EXIT.usage);
      assert.equal((doc as unknown as ErrorDoc).error.exitCode, EXIT.usage);
      assert.match((doc as unknown as ErrorDoc).error.message, /Unknown flag --no-such-flag/);
    });

    it(`${name}: --help with -o json is a document too`, async () => {
      const { code, doc } = await runJson([name, '--help', '--output=json']);
      assert.equal(code, EXIT.ok);
      assert.match(String(doc.help), /^Usage: sa-kubeconfig /);
    });
  }

  it('an unknown command, and a flag value outside its choices', async () => {
    let r = await runJson(['frobnicate', '-o', 'json']);
    assert.equal(r.code, EXIT.usage);
    assert.match((r.doc as unknown as ErrorDoc).error.message, /Unknown command "frobnicate"/);
    r = await runJson(['list', '-o', 'json', '--context']);
    assert.equal(r.code, EXIT.usage);
  });

  // Every command that talks to a cluster, with the flags it needs to get that far.
  const reachCluster: string[][] = [
    ['create', '-s', 'a', '--rule', 'pods:get', '--out', 'OUT'],
    ['list'],
    ['rotate', '-s', 'a', '--out', 'OUT'],
    ['revoke', '-s', 'a'],
    ['delete', '-s', 'a'],
    ['discover'],
    ['audit', '-A'],
    ['migrate', '--secret', 'a', '--out', 'OUT'],
  ];
  for (const argv of reachCluster) {
    it(`${argv[0]}: a missing kubeconfig and an unreachable server are error documents with exit code 1`, async () => {
      const out = path.join(dir, `${argv[0]}.kubeconfig`);
      const args = argv.map((a) => (a === 'OUT' ? out : a));
      let r = await runJson([...args, '--kubeconfig', path.join(dir, 'missing'), '-o', 'json']);
      assert.equal(r.code, EXIT.failure);
      assert.equal((r.doc as unknown as ErrorDoc).error.code, 'kubeconfig');
      r = await runJson([...args, '--kubeconfig', unreachable, '-o', 'json']);
      assert.equal(r.code, EXIT.failure);
      assert.equal((r.doc as unknown as ErrorDoc).error.code, 'unreachable');
      assert.ok(!JSON.stringify(r.doc).includes(OPAQUE));
    });
  }

  it('verify: an unreadable file and an unreachable server', async () => {
    let r = await runJson(['verify', path.join(dir, 'missing'), '-o', 'json']);
    assert.equal(r.code, EXIT.usage);
    r = await runJson(['verify', unreachable, '-o', 'json']);
    assert.equal(r.code, EXIT.failure);
    assert.equal((r.doc as unknown as ErrorDoc).error.code, 'unreachable');
  });

  it('invalid input (every problem listed) is an error document with exit code 2', async () => {
    const { code, doc } = await runJson([
      'create',
      '-n',
      'Bad_NS',
      '-s',
      'ok',
      '--rule',
      'pods:frobnicate',
      '--out',
      path.join(dir, 'x'),
      '-o',
      'json',
    ]);
    assert.equal(code, EXIT.usage);
    const error = (doc as unknown as { error: { code: string; problems: string[] } }).error;
    assert.equal(error.code, 'invalidInput');
    assert.ok(error.problems.length >= 1);
  });

  it(
    'expiring: nothing in the window is exit 0; a bad --within is exit 2; ' + 'renew of an unknown id is exit 2',
    async () => {
      const previous = process.env.SA_KUBECONFIG_LEDGER;
      process.env.SA_KUBECONFIG_LEDGER = path.join(dir, 'empty-ledger.json');
      try {
        let r = await runJson(['expiring', '--within', '3d', '-o', 'json']);
        assert.equal(r.code, EXIT.ok);
        assert.deepEqual([r.doc.within, r.doc.expiring, r.doc.expired], ['3d', [], []]);
        r = await runJson(['expiring', '--within', '3', '-o', 'json']);
        assert.equal(r.code, EXIT.usage);
        assert.match((r.doc as unknown as ErrorDoc).error.message, /has no unit/);
        r = await runJson(['renew', '-o', 'json']);
        assert.equal(r.code, EXIT.usage);
        r = await runJson(['renew', '--credential', 'abcdef12', '-o', 'json']);
        assert.equal(r.code, EXIT.usage);
        assert.match((r.doc as unknown as ErrorDoc).error.message, /No credential "abcdef12" in the local ledger/);
      } finally {
        process.env.SA_KUBECONFIG_LEDGER = previous;
      }
    },
  );

  it('presets: success, and an unknown preset', async () => {
    let r = await runJson(['presets', 'exec-pods', '-o', 'json']);
    assert.equal(r.code, EXIT.ok);
    assert.equal(r.doc.id, 'exec-pods');
    r = await runJson(['presets', 'nope', '-o', 'json']);
    assert.equal(r.code, EXIT.usage);
    assert.match((r.doc as unknown as ErrorDoc).error.message, /Unknown preset "nope"/);
  });

  it('a dry run planned offline is one document', async () => {
    const r = await runJson([
      'create',
      '--dry-run',
      '--offline',
      '--context',
      'none',
      '-n',
      'a',
      '-s',
      'b',
      '--rule',
      'pods:get',
      '-o',
      'json',
    ]);
    assert.equal(r.code, EXIT.ok);
    assert.ok(Array.isArray(r.doc.objects));
  });

  it(
    "an escalation refusal whose details hold the request's token options parses " + '(it printed "token": <redacted>)',
    () => {
      // The shape provision throws: the preflight report, whose plan holds the request with its token options.
      const refusal = new SaKubeconfigError('escalation', 'You cannot grant rules you do not hold: get secrets.', {
        details: {
          plan: { request: { token: { mode: 'timeBound', durationSeconds: 86400 }, namespace: 'a' } },
          missingRules: ['secrets:get'],
        },
      });
      const c = capture();
      assert.equal(reportError(c.io, refusal, 'create', 'json'), EXIT.conflict);
      const doc = JSON.parse(c.out()) as { error: { details: { plan: { request: { token: { mode: string } } } } } };
      assert.equal(doc.error.details.plan.request.token.mode, 'timeBound');
    },
  );

  it('an unexpected error is a document with exit code 1, its message redacted', () => {
    const c = capture();
    assert.equal(
      reportError(c.io, new TypeError(`cannot read x of undefined near ${JWT}`), 'list', 'json'),
      EXIT.failure,
    );
    const doc = JSON.parse(c.out()) as ErrorDoc;
    assert.equal(doc.error.exitCode, EXIT.failure);
    assert.ok(!c.out().includes(JWT));
  });

  it('a report followed by an error (verification failed after the report) is still one document', () => {
    const sink = new ReportSink();
    sink.set({ ok: false, checks: [] });
    sink.error = { code: 'verification', message: 'failed', exitCode: 3 };
    assert.deepEqual(sink.document(3), {
      ok: false,
      checks: [],
      error: { code: 'verification', message: 'failed', exitCode: 3 },
    });
    const list = new ReportSink();
    list.set([1, 2]);
    list.error = { message: 'x', exitCode: 1 };
    assert.deepEqual(list.document(1), { result: [1, 2], error: { message: 'x', exitCode: 1 } });
    assert.deepEqual(new ReportSink().document(0), { exitCode: 0 });
  });

  it('yaml reports are one document too', async () => {
    const c = capture();
    assert.equal(await runCli(['list', '--bogus', '-o', 'yaml'], c.io), EXIT.usage);
    assert.equal(yaml.loadAll(c.out()).length, 1);
  });

  it('finds the requested format before the flags are parsed', () => {
    assert.equal(requestedFormat(['-o', 'json']), 'json');
    assert.equal(requestedFormat(['--output=yaml', '--bogus']), 'yaml');
    assert.equal(requestedFormat(['-o=json']), 'json');
    assert.equal(requestedFormat(['--', '-o', 'json']), 'text');
  });
});

describe('redactStructured', () => {
  it('redacts credential keys and credentials inside strings, keeps reports named "token"', () => {
    const out = redactStructured({
      token: { mode: 'timeBound', expiresAt: '2030-01-01T00:00:00Z' },
      users: [{ name: 'u', user: { token: OPAQUE, 'client-key-data': 'LS0t' } }],
      message: `rejected ${JWT}`,
      [JWT]: 1,
      when: new Date('2030-01-01T00:00:00Z'),
    });
    const text = JSON.stringify(out);
    assert.ok(!text.includes(OPAQUE) && !text.includes(JWT) && !text.includes('LS0t'), text);
    assert.deepEqual((out as { token: unknown }).token, { mode: 'timeBound', expiresAt: '2030-01-01T00:00:00Z' });
    assert.equal((out as { when: string }).when, '2030-01-01T00:00:00.000Z');
  });
});

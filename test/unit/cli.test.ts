import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

import { parseArgs, UsageError, type FlagSpec } from '../../src/cli/args';
import { runCli } from '../../src/cli/cli';
import { createCommand } from '../../src/cli/commands/create';
import { requestFromFlags } from '../../src/cli/createRequest';
import { EXIT, exitCodeFor, type CliIo } from '../../src/cli/io';
import { SaKubeconfigError, ValidationError } from '../../src/core/errors';
import { buildKubeconfig, parseHeader, renderKubeconfigYaml } from '../../src/core/kubeconfig/build';
import { KubeconfigConflictError } from '../../src/core/kubeconfig/merge';
import { planNeedsDiscovery } from '../../src/core/plan/scope';
import type { KubeObject } from '../../src/core/types';
import { tutorialRequest } from '../support/requests';

const SPECS: FlagSpec[] = [
  { name: 'namespace', short: 'n', type: 'string', description: '' },
  { name: 'rule', type: 'string', repeatable: true, description: '' },
  { name: 'namespaces', type: 'list', description: '' },
  { name: 'dry-run', type: 'boolean', description: '' },
  { name: 'output', short: 'o', type: 'string', choices: ['text', 'json'], description: '' },
];

describe('parseArgs', () => {
  it('reads --flag value, --flag=value, short flags, booleans and positionals', () => {
    const { flags, positionals } = parseArgs(['file', '--namespace', 'a', '--dry-run', '-o=json', 'second'], SPECS);
    assert.deepEqual(flags, { namespace: 'a', 'dry-run': true, output: 'json' });
    assert.deepEqual(positionals, ['file', 'second']);
    assert.equal(parseArgs(['-n', 'b'], SPECS).flags.namespace, 'b');
  });

  it('collects repeatable flags and comma lists', () => {
    const { flags } = parseArgs(
      ['--rule', 'pods:get', '--rule=pods/exec:create', '--namespaces', 'a,b', '--namespaces', 'c'],
      SPECS,
    );
    assert.deepEqual(flags.rule, ['pods:get', 'pods/exec:create']);
    assert.deepEqual(flags.namespaces, ['a', 'b', 'c']);
  });

  it('treats everything after -- as positional', () => {
    assert.deepEqual(parseArgs(['--', '--dry-run'], SPECS).positionals, ['--dry-run']);
  });

  const bad: [string[], RegExp][] = [
    [['--namspace', 'x'], /Unknown flag --namspace\. Did you mean --namespace\?/],
    [['--namespace'], /--namespace needs a value/],
    [['--namespace', '--dry-run'], /--namespace needs a value/],
    [['-n', 'a', '-n', 'b'], /given twice/],
    [['--output', 'xml'], /must be one of text, json; got "xml"/],
    [['--dry-run=maybe'], /takes no value/],
  ];
  for (const [argv, message] of bad) {
    it(`refuses ${argv.join(' ')}`, () => {
      assert.throws(
        () => parseArgs(argv, SPECS),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
      );
    });
  }
});

describe('requestFromFlags', () => {
  const defaults = { context: 'kind-local', namespace: 'default' };
  const parse = (argv: string[]) => {
    const { flags } = parseArgs(argv, createCommand.flags);
    return requestFromFlags(flags, defaults);
  };

  it('builds the tutorial request with a 24h time-limited token by default', () => {
    const request = parse([
      '-n',
      'myexample',
      '--create-namespace',
      '-s',
      'myexample-sa',
      '--rule',
      'pods:get,watch,list,create',
      '--rule',
      'pods/exec:create',
    ]);
    // The tutorial as the README writes it; the namespace list is left to the plan (the service account's).
    assert.deepEqual(request, tutorialRequest({ scope: { kind: 'namespaces', namespaces: [] } }));
  });

  it("combines presets, rules and role references, and defaults the namespace to the context's", () => {
    const request = parse([
      '-s',
      'ci',
      '--preset',
      'view',
      '--cluster-role',
      'view',
      '--role',
      'deployer',
      '--rule',
      'jobs.batch:create',
    ]);
    assert.equal(request.namespace, 'default');
    assert.deepEqual(request.roleRefs, [
      { kind: 'ClusterRole', name: 'view' },
      { kind: 'Role', name: 'deployer' },
    ]);
    assert.deepEqual(request.rules, [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] }]);
  });

  it('maps token, scope and kubeconfig flags', () => {
    const request = parse([
      '-s',
      'a',
      '--rule',
      'pods:get',
      '--duration',
      '1h30m',
      '--bind-to-secret',
      '--namespaces',
      'x,y',
      '--insecure',
      '--server',
      'https://h:6443',
      '--name-prefix',
      'p',
      '--adopt',
    ]);
    // Every time-limited token is bound to a Secret of its own now: --bind-to-secret is accepted and changes nothing.
    assert.deepEqual(request.token, { kind: 'timeBound', durationSeconds: 5400 });
    assert.deepEqual(parse(['-s', 'a', '--rule', 'pods:get', '--unbound', '--note', 'ci deploy']).token, {
      kind: 'timeBound',
      durationSeconds: 86400,
      unbound: true,
      note: 'ci deploy',
    });
    assert.deepEqual(parse(['-s', 'a', '--rule', 'pods:get', '--long-lived', '--note', 'n']).token, {
      kind: 'longLived',
      note: 'n',
    });
    assert.throws(
      () => parse(['-s', 'a', '--rule', 'pods:get', '--unbound', '--long-lived']),
      /--unbound.*--long-lived|--long-lived.*--unbound/,
    );
    assert.deepEqual(request.scope, { kind: 'namespaces', namespaces: ['x', 'y'] });
    assert.deepEqual(request.kubeconfig, { server: 'https://h:6443', insecureSkipTlsVerify: true, namePrefix: 'p' });
    assert.equal(request.adoptUnmanaged, true);
    assert.deepEqual(parse(['-s', 'a', '--rule', 'pods:get', '--long-lived']).token, { kind: 'longLived' });
    assert.deepEqual(parse(['-s', 'a', '--rule', 'pods:get', '--existing-secret', 'old']).token, {
      kind: 'existingSecret',
      secretName: 'old',
    });
    assert.deepEqual(parse(['-s', 'a', '--rule', 'pods:get', '--cluster-wide']).scope, { kind: 'cluster' });
  });

  it('--existing-service-account and --existing-secret use the account as it is', () => {
    assert.equal(parse(['-s', 'a', '--rule', 'pods:get']).serviceAccountMode, undefined);
    assert.equal(parse(['-s', 'a', '--rule', 'pods:get', '--existing-service-account']).serviceAccountMode, 'existing');
    assert.equal(parse(['-s', 'a', '--rule', 'pods:get', '--existing-secret', 'old']).serviceAccountMode, 'existing');
  });

  it('reports every problem with names, rules, presets and duration at once', () => {
    assert.throws(
      () => parse(['-n', 'Bad_NS', '-s', 'x', '--rule', 'pods:gte']),
      (e: unknown) => {
        assert.ok(e instanceof ValidationError, String(e));
        assert.equal(e.problems.length, 2, e.problems.join('\n'));
        assert.match(e.problems.join('\n'), /Namespace "Bad_NS" is not a valid name/);
        assert.match(e.problems.join('\n'), /gte/);
        return true;
      },
    );
    assert.throws(
      () =>
        parse([
          '-n',
          'ok',
          '-s',
          'Bad_SA',
          '--preset',
          'nope',
          '--rule',
          'pods',
          '--duration',
          '10',
          '--namespaces',
          'Also_Bad',
        ]),
      (e: unknown) => {
        assert.ok(e instanceof ValidationError, String(e));
        const text = e.problems.join('\n');
        for (const part of [
          /Service account name "Bad_SA"/,
          /Unknown preset "nope"/,
          /has no verbs/,
          /no unit/,
          /Namespace "Also_Bad"/,
        ])
          assert.match(text, part);
        assert.doesNotMatch(text, /No permissions/);
        return true;
      },
    );
  });

  const bad: [string[], RegExp, 'usage' | 'validation'][] = [
    [['--rule', 'pods:get'], /--service-account NAME is required/, 'usage'],
    [['-s', 'a'], /Say what the service account may do/, 'usage'],
    [
      ['-s', 'a', '--rule', 'pods:get', '--long-lived', '--duration', '1h'],
      /--duration and --long-lived cannot be used together/,
      'usage',
    ],
    [
      ['-s', 'a', '--rule', 'pods:get', '--long-lived', '--bind-to-secret'],
      /--bind-to-secret applies to time-limited tokens only/,
      'usage',
    ],
    [['-s', 'a', '--rule', 'pods:get', '--namespaces', 'x', '--cluster-wide'], /cannot be used together/, 'usage'],
    [['-s', 'a', '--rule', 'pods:get', '--duration', '10'], /no unit/, 'validation'],
    [['-s', 'a', '--preset', 'nope'], /Unknown preset "nope"/, 'validation'],
    [['-s', 'a', '--rule', 'pods'], /has no verbs/, 'validation'],
  ];
  for (const [argv, message, kind] of bad) {
    it(`refuses ${argv.join(' ')}`, () => {
      assert.throws(
        () => parse(argv),
        (e: unknown) =>
          (kind === 'usage' ? e instanceof UsageError : e instanceof ValidationError) &&
          message.test((e as Error).message),
      );
    });
  }
});

interface Captured {
  io: CliIo;
  out: () => string;
  err: () => string;
}

function captureIo(env: NodeJS.ProcessEnv = {}): Captured {
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
      env,
    },
    out: () => out,
    err: () => err,
  };
}

describe('runCli', () => {
  it('prints the command list and exit codes for --help', async () => {
    const c = captureIo();
    assert.equal(await runCli(['--help'], c.io, '1.2.3'), EXIT.ok);
    assert.match(c.out(), /^sa-kubeconfig 1\.2\.3/);
    for (const name of ['create', 'verify', 'list', 'rotate', 'revoke', 'delete', 'discover', 'presets'])
      assert.match(c.out(), new RegExp(`\\n {2}${name} `));
    assert.match(c.out(), /Exit codes:\n {2}0 {2}success[\s\S]*4 {2}refused/);
  });

  it('exits 2 with usage when no command is given', async () => {
    const c = captureIo();
    assert.equal(await runCli([], c.io), EXIT.usage);
  });

  it('has --help for every command, listing its flags', async () => {
    for (const name of ['create', 'verify', 'list', 'rotate', 'revoke', 'delete', 'discover', 'presets']) {
      const c = captureIo();
      assert.equal(await runCli([name, '--help'], c.io), EXIT.ok, name);
      assert.match(c.out(), new RegExp(`^Usage: sa-kubeconfig ${name}`), name);
      assert.match(c.out(), /-h, --help/, name);
    }
  });

  it('reports an unknown command and a bad flag with exit code 2 and a pointer to help', async () => {
    let c = captureIo();
    assert.equal(await runCli(['craete'], c.io), EXIT.usage);
    assert.match(c.err(), /Unknown command "craete"/);
    c = captureIo();
    assert.equal(await runCli(['create', '--namspace', 'x'], c.io), EXIT.usage);
    assert.match(c.err(), /Did you mean --namespace\?\nRun "sa-kubeconfig create --help" for usage\./);
    assert.equal(c.out(), '');
  });

  it('lists presets as text and JSON', async () => {
    let c = captureIo();
    assert.equal(await runCli(['presets', 'exec-pods'], c.io), EXIT.ok);
    assert.match(c.out(), /--rule pods:get,watch,list,create\n {2}--rule pods\/exec:create,get/);
    c = captureIo();
    await runCli(['presets', '-o', 'json'], c.io);
    const presets = JSON.parse(c.out()) as { id: string }[];
    assert.ok(presets.some((p) => p.id === 'ci-apply'));
  });

  it('prints an offline dry-run plan as YAML that parses back, with warnings on stderr', async () => {
    const c = captureIo();
    const code = await runCli(
      [
        'create',
        '--dry-run',
        '--offline',
        '--context',
        'none',
        '-n',
        'myexample',
        '--create-namespace',
        '-s',
        'myexample-sa',
        '--rule',
        'pods:get,watch,list,create',
        '--rule',
        'pods/exec:create',
      ],
      c.io,
    );
    assert.equal(code, EXIT.ok);
    const kinds = (yaml.loadAll(c.out()) as KubeObject[]).map((o) => o.kind);
    assert.deepEqual(kinds, ['Namespace', 'ServiceAccount', 'Role', 'RoleBinding']);
    assert.match(c.err(), /warning: .*pods\/exec/);
  });

  it('reports every invalid input at once with exit code 2', async () => {
    const c = captureIo();
    const code = await runCli(
      ['create', '--dry-run', '--offline', '--context', 'none', '-n', 'Bad_NS', '-s', 'ok', '--rule', 'pods:get'],
      c.io,
    );
    assert.equal(code, EXIT.usage);
    assert.match(c.err(), /Namespace "Bad_NS".*Try "bad-ns"/);
  });

  it('requires a file for the kubeconfig when the report is JSON', async () => {
    const c = captureIo();
    assert.equal(await runCli(['create', '-s', 'a', '--rule', 'pods:get', '-o', 'json'], c.io), EXIT.usage);
    assert.match(c.err(), /--out FILE or --merge-into FILE/);
  });

  it('fails verify of a missing file with a usage error', async () => {
    const c = captureIo();
    assert.equal(await runCli(['verify', path.join(os.tmpdir(), 'does-not-exist.kubeconfig')], c.io), EXIT.usage);
    assert.match(c.err(), /Cannot read .*ENOENT/);
  });

  it('explains a missing kubeconfig when a command needs the cluster', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sa-kubeconfig-cli-'));
    try {
      const c = captureIo({ KUBECONFIG: path.join(dir, 'missing') });
      assert.equal(await runCli(['list'], c.io), EXIT.failure);
      assert.match(c.err(), /No kubeconfig found/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('exitCodeFor', () => {
  it('maps errors to the documented exit codes', () => {
    assert.equal(exitCodeFor(new UsageError('x')), EXIT.usage);
    assert.equal(exitCodeFor(new ValidationError(['x'])), EXIT.usage);
    assert.equal(exitCodeFor(new SaKubeconfigError('invalidInput', 'x')), EXIT.usage);
    // A namespace or service account that does not exist is invalid input; nothing was changed.
    assert.equal(exitCodeFor(new SaKubeconfigError('notFound', 'x')), EXIT.usage);
    assert.equal(exitCodeFor(new SaKubeconfigError('forbidden', 'x')), EXIT.denied);
    assert.equal(exitCodeFor(new SaKubeconfigError('unauthorized', 'x')), EXIT.denied);
    assert.equal(exitCodeFor(new SaKubeconfigError('escalation', 'x')), EXIT.conflict);
    assert.equal(exitCodeFor(new SaKubeconfigError('unmanagedConflict', 'x')), EXIT.conflict);
    assert.equal(exitCodeFor(new KubeconfigConflictError([{ section: 'user', name: 'u' }])), EXIT.conflict);
    assert.equal(exitCodeFor(new SaKubeconfigError('unreachable', 'x')), EXIT.failure);
    assert.equal(exitCodeFor(new Error('x')), EXIT.failure);
  });
});

describe('kubeconfig header round trip', () => {
  it('reads back service account, namespaces, rules and bound roles', () => {
    const text = renderKubeconfigYaml(
      buildKubeconfig({
        server: 'https://h:6443',
        insecureSkipTlsVerify: true,
        token: 't',
        namePrefix: 'p',
        namespaces: ['a', 'b'],
      }),
      {
        serviceAccount: 'sa',
        serviceAccountNamespace: 'ns',
        namespaces: ['a', 'b'],
        rules: [
          { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list'] },
        ],
        roleRefs: [{ kind: 'ClusterRole', name: 'view' }],
      },
    );
    assert.deepEqual(parseHeader(text), {
      namespaces: ['a', 'b'],
      clusterWide: false,
      rules: ['pods:get', 'deployments.apps:list'],
      roleRefs: [{ kind: 'ClusterRole', name: 'view' }],
      serviceAccount: 'ns/sa',
    });
    assert.equal(parseHeader('apiVersion: v1\nkind: Config\n'), undefined);
  });
});

describe('planNeedsDiscovery', () => {
  it('asks for discovery only for API groups the built-in table does not cover', () => {
    const scope = { kind: 'namespaces' as const, namespaces: [] };
    assert.equal(
      planNeedsDiscovery({ scope, rules: [{ apiGroups: ['', 'apps'], resources: ['pods'], verbs: ['get'] }] }),
      false,
    );
    assert.equal(
      planNeedsDiscovery({ scope, rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] }] }),
      true,
    );
    assert.equal(
      planNeedsDiscovery({
        scope: { kind: 'cluster' },
        rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] }],
      }),
      false,
    );
  });
});

describe('create --dry-run explains a ClusterRole', () => {
  it('cluster-scoped rules: says why a ClusterRole is used, above it', async () => {
    const c = captureIo();
    assert.equal(
      await runCli(
        ['create', '-n', 't', '-s', 's', '--rule', 'pods:get', '--rule', 'nodes:get,list', '--dry-run', '--offline'],
        c.io,
      ),
      EXIT.ok,
      c.err(),
    );
    assert.match(
      c.out(),
      new RegExp(
        /# Why a ClusterRole: nodes:get,list names cluster-scoped resources, which a namespaced Role cannot grant, /
          .source +
          /so a ClusterRole and a ClusterRoleBinding hold those rules; the other rules stay in namespaced Roles\.\n/
            .source +
          /apiVersion: rbac.authorization.k8s.io\/v1\nkind: ClusterRole\n/.source,
      ),
    );
  });

  it('--cluster-wide: says the grant applies in every namespace', async () => {
    const c = captureIo();
    assert.equal(
      await runCli(
        ['create', '-n', 't', '-s', 's', '--rule', 'pods:get', '--cluster-wide', '--dry-run', '--offline'],
        c.io,
      ),
      EXIT.ok,
      c.err(),
    );
    assert.match(
      c.out(),
      new RegExp(
        /# Why a ClusterRole: The permissions were asked for cluster-wide, /.source +
          /so they are granted with a ClusterRoleBinding to a ClusterRole: /.source +
          /they apply in every namespace, present and future\.\n/.source,
      ),
    );
  });

  it('namespaced rules only: no ClusterRole, no explanation', async () => {
    const c = captureIo();
    assert.equal(
      await runCli(['create', '-n', 't', '-s', 's', '--rule', 'pods:get', '--dry-run', '--offline'], c.io),
      EXIT.ok,
      c.err(),
    );
    assert.doesNotMatch(c.out(), /ClusterRole/);
  });
});

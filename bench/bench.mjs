// `npm run bench`: sa-kubeconfig side by side with kubectl on a big local cluster, locally and through a latency
// relay (bench/relay.mjs), as issue 11 measures it. Plain node + kubectl; times dist/ as the .vsix ships it (`npm run
// bench` builds it with `node esbuild.mjs --production` first).
//   1. starts its own cluster (test/cluster/up.sh --name bench, with an audit log) or reuses it when it is up
//   2. seeds 1,000 namespaces x 10 service accounts through the API (parallel requests; skipped when present),
//      plus a few dozen objects made by sa-kubeconfig (`create` of a handful of accounts)
//   3. times whole processes, alternating sa-kubeconfig and kubectl, N runs each (median), and counts the
//      requests each sent from the API server's audit log (events of the admin user and of the bench's service
//      accounts, stage ResponseComplete): exact per process, whatever goes through the relay, and blind to the
//      controller manager's own traffic, which a diff of apiserver_request_total would include
//   4. prints one Markdown table: task | where | sa-kubeconfig | kubectl | ratio | requests
// Flags: --runs N (5)  --rtt MS (80; 0: local only)  --quick (20 namespaces, cluster "bench-quick", 3 runs)
//        --only list,create,discover,start,tree  --keep (leave the cluster up; stop: test/cluster/down.sh --name NAME)
// The tree task runs the extension in real VS Code (code-server and Chromium, as the test suite installs them).
import { Buffer } from 'node:buffer';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

import { startRelay } from './relay.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const value = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : argv[i + 1];
};
const quick = flag('quick');
const runs = Number(value('runs', quick ? '3' : '5'));
const rtt = Number(value('rtt', '80'));
const only = value('only', 'list,create,discover,start,tree').split(',');
const clusterName = quick ? 'bench-quick' : 'bench';
const NAMESPACES = quick ? 20 : 1000;
const ACCOUNTS = 10;
const ADMIN_USER = 'sa-kubeconfig-admin'; // test/cluster/up.sh's admin certificate
const cli = path.join(repo, 'dist', 'cli.js');
const say = (s) => process.stderr.write(`[bench] ${s}\n`);

if (!existsSync(cli)) {
  say('dist/cli.js is missing: run `node esbuild.mjs` first');
  process.exit(2);
}
const work = mkdtempSync(path.join(os.tmpdir(), 'sak-bench-'));
chmodSync(work, 0o700);

// --- the cluster, with an audit log ------------------------------------------------------------------------
const root = process.env.SAK_CLUSTER_ROOT ?? path.join(process.env.TMPDIR ?? '/tmp', 'sa-kubeconfig-clusters');
const auditDir = path.join(root, `${clusterName}-audit`);
const auditLog = path.join(auditDir, 'audit.log');
mkdirSync(auditDir, { recursive: true });
writeFileSync(
  path.join(auditDir, 'policy.yaml'),
  'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived, ResponseStarted]\nrules:\n' +
    '  - level: None\n    userGroups: [system:nodes]\n  - level: Metadata\n',
);
say(`cluster "${clusterName}" (test/cluster/up.sh)`);
const up = () =>
  execFileSync(
    'bash',
    [
      path.join(repo, 'test/cluster/up.sh'),
      '--name',
      clusterName,
      '--',
      `--audit-policy-file=${path.join(auditDir, 'policy.yaml')}`,
      `--audit-log-path=${auditLog}`,
      '--audit-log-mode=blocking',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
let envLines;
try {
  envLines = up();
} catch {
  // On a busy machine the controller manager may give up before RBAC is bootstrapped: once more.
  say('the cluster did not start; trying once more');
  execFileSync('bash', [path.join(repo, 'test/cluster/down.sh'), '--name', clusterName], { stdio: 'ignore' });
  envLines = up();
}
const env = Object.fromEntries([...envLines.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
const kubectl = env.SAK_KUBECTL;
const adminKubeconfig = env.SAK_ADMIN_KUBECONFIG;
if (!existsSync(auditLog)) {
  say(
    `the running cluster "${clusterName}" has no audit log: stop it (bash test/cluster/down.sh --name ${clusterName})`,
  );
  process.exit(2);
}

// --- seeding through the API ----------------------------------------------------------------------------------
const view = JSON.parse(
  execFileSync(
    kubectl,
    ['--kubeconfig', adminKubeconfig, 'config', 'view', '--raw', '--minify', '--flatten', '-o', 'json'],
    {
      encoding: 'utf8',
    },
  ),
);
const server = new URL(view.clusters[0].cluster.server);
const b64 = (s) => Buffer.from(s, 'base64');
const agent = new https.Agent({
  keepAlive: true,
  maxSockets: 32,
  ca: b64(view.clusters[0].cluster['certificate-authority-data']),
  cert: b64(view.users[0].user['client-certificate-data']),
  key: b64(view.users[0].user['client-key-data']),
});

function api(method, apiPath, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: server.hostname,
        port: server.port,
        method,
        path: apiPath,
        agent,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (body) req.end(JSON.stringify(body));
    else req.end();
  });
}

/** Creates an object, again until it exists (a new namespace may not be admitted into yet). */
async function ensure(collection, body) {
  for (let attempt = 0; ; attempt++) {
    const r = await api('POST', collection, body).catch((err) => ({ status: 0, body: String(err) }));
    if (r.status === 201 || r.status === 409) return;
    if (attempt > 20) throw new Error(`POST ${collection}: ${r.status} ${r.body.slice(0, 200)}`);
    await new Promise((done) => setTimeout(done, 100 * (attempt + 1)));
  }
}

async function parallel(items, limit, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const nsName = (i) => `bench-${String(i).padStart(4, '0')}`;
const lastNs = await api('GET', `/api/v1/namespaces/${nsName(NAMESPACES - 1)}/serviceaccounts/sa-${ACCOUNTS - 1}`);
if (lastNs.status !== 200) {
  const started = Date.now();
  const names = Array.from({ length: NAMESPACES }, (_, i) => nsName(i));
  await parallel(names, 32, (name) =>
    ensure('/api/v1/namespaces', { metadata: { name, labels: { 'sak-bench': 'fixture' } } }),
  );
  const accounts = names.flatMap((ns) => Array.from({ length: ACCOUNTS }, (_, j) => [ns, `sa-${j}`]));
  await parallel(accounts, 32, ([ns, name]) =>
    ensure(`/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name } }),
  );
  say(
    `seeded ${NAMESPACES} namespaces x ${ACCOUNTS} service accounts in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
} else say(`fixture present (${NAMESPACES} x ${ACCOUNTS})`);

const ledger = path.join(work, 'ledger.json');
const sakEnv = { SA_KUBECONFIG_LEDGER: ledger };
const ours = [
  ['bench-0000', 'sak-ci', ['--rule', 'pods:get,list']],
  ['bench-0001', 'sak-deploy', ['--rule', 'deployments.apps:get,list,update', '--long-lived']],
  ['bench-0002', 'sak-viewer', ['--cluster-wide', '--rule', 'pods:get']],
  ['bench-0003', 'sak-logs', ['--rule', 'pods:get,list', '--rule', 'pods/log:get']],
  ['bench-0004', 'sak-cm', ['--rule', 'configmaps:get,list,watch,create,update']],
  ['bench-0005', 'sak-exec', ['--rule', 'pods:get', '--rule', 'pods/exec:create', '--long-lived']],
];
for (const [ns, sa, rules] of ours) {
  if ((await api('GET', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}`)).status === 200) continue;
  await run(
    'node',
    [cli, 'create', '-n', ns, '-s', sa, ...rules, '--out', path.join(work, `${sa}.kubeconfig`), '--yes'],
    {
      KUBECONFIG: adminKubeconfig,
      ...sakEnv,
    },
  );
}

// --- running and counting ---------------------------------------------------------------------------------------
/**
 * Runs a process to its end, never blocking this event loop (the relay runs in it); its wall time in ms, or with
 * `capture` its stdout. Fails the benchmark when it fails.
 */
function run(command, args, extraEnv = {}, capture = false) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      env: { ...process.env, ...extraEnv },
      stdio: ['ignore', capture ? 'pipe' : 'ignore', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout?.on('data', (c) => (stdout += c));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(capture ? stdout : ms);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`));
    });
  });
}

/** Requests of the admin user and the bench's service accounts the API server logged after `offset`. */
function requestsSince(offset) {
  const text = readFileSync(auditLog).subarray(offset).toString('utf8');
  let n = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    const user = e.user?.username ?? '';
    if (e.stage !== 'ResponseComplete') continue;
    if (user === ADMIN_USER || user.startsWith('system:serviceaccount:bench-')) n++;
  }
  return n;
}

/** One measured whole-process run: its wall time and the requests it sent. */
async function measure(fn) {
  const offset = statSync(auditLog).size;
  const ms = await fn();
  await new Promise((done) => setTimeout(done, 300)); // the log is written as requests complete
  return { ms, requests: requestsSince(offset) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// The kubeconfigs: the cluster as it is, and through the relay.
function kubeconfigFor(where, port) {
  const copy = JSON.parse(JSON.stringify(view));
  if (port) copy.clusters[0].cluster.server = `https://127.0.0.1:${port}`;
  const file = path.join(work, `${where}.kubeconfig`);
  writeFileSync(file, JSON.stringify(copy), { mode: 0o600 });
  return file;
}

const rows = [];
let serial = 0;
/** Namespaces the tutorial runs made, deleted at the end. */
const made = [];
async function task(name, where, sak, kube) {
  const times = { sak: [], kubectl: [], sakRequests: [], kubectlRequests: [] };
  say(`${name} (${where}): ${runs} alternating runs`);
  for (let i = 0; i < runs; i++) {
    const s = await measure(() => sak(i));
    const k = await measure(() => kube(i));
    times.sak.push(s.ms);
    times.kubectl.push(k.ms);
    times.sakRequests.push(s.requests);
    times.kubectlRequests.push(k.requests);
  }
  const ms = median(times.sak);
  const mk = median(times.kubectl);
  rows.push({ name, where, ms, mk, rs: median(times.sakRequests), rk: median(times.kubectlRequests), times });
}

const sec = (ms) => `${(ms / 1000).toFixed(ms < 1000 ? 3 : 2)} s`;
const places = [['local', 0]];
let relay;
if (rtt > 0) {
  relay = await startRelay({ host: server.hostname, port: Number(server.port), rttMs: rtt });
  places.push([`${rtt} ms RTT`, relay.port]);
}

const kubectlCache = path.join(work, 'kubectl-cache');
for (const [where, port] of places) {
  const kc = kubeconfigFor(where.replace(/\W+/g, '-'), port);
  const sakRun = (args, extra = {}) => run('node', [cli, ...args], { KUBECONFIG: kc, ...sakEnv, ...extra });
  const kubectlRun = (args) => run(kubectl, ['--kubeconfig', kc, ...args]);
  if (only.includes('list'))
    await task(
      '`list -A -o json` vs `kubectl get sa -A -o json`',
      where,
      () => sakRun(['list', '-A', '-o', 'json']),
      () => kubectlRun(['--cache-dir', kubectlCache, 'get', 'sa', '-A', '-o', 'json']),
    );
  if (only.includes('create')) {
    // The tutorial (bench/create.sh): namespace, account, two roles and bindings, a token, a kubeconfig by hand.
    const ca = path.join(work, 'ca.crt');
    writeFileSync(ca, b64(view.clusters[0].cluster['certificate-authority-data']));
    const kubectlTutorial = async (ns) => {
      made.push(ns);
      const out = path.join(work, `${ns}.kubeconfig`);
      const k = (args) => kubectlRun(['--cache-dir', kubectlCache, ...args]);
      const t0 = process.hrtime.bigint();
      await k(['create', 'namespace', ns]);
      await k(['-n', ns, 'create', 'serviceaccount', 'myexample-sa']);
      await k(['-n', ns, 'create', 'role', 'myexample-role', '--verb=get,watch,list,create', '--resource=pods']);
      await k(['-n', ns, 'create', 'role', 'myexample-exec', '--verb=create', '--resource=pods/exec']);
      await k([
        '-n',
        ns,
        'create',
        'rolebinding',
        'myexample-rb',
        '--role=myexample-role',
        `--serviceaccount=${ns}:myexample-sa`,
      ]);
      await k([
        '-n',
        ns,
        'create',
        'rolebinding',
        'myexample-exec-rb',
        '--role=myexample-exec',
        `--serviceaccount=${ns}:myexample-sa`,
      ]);
      const token = (
        await run(
          kubectl,
          ['--kubeconfig', kc, '-n', ns, 'create', 'token', 'myexample-sa', '--duration', '24h'],
          {},
          true,
        )
      ).trim();
      const local = (args) => run(kubectl, ['config', ...args], { KUBECONFIG: out });
      await local([
        'set-cluster',
        'local',
        `--server=${view.clusters[0].cluster.server}`,
        `--certificate-authority=${ca}`,
        '--embed-certs=true',
      ]);
      await local(['set-credentials', 'myexample-sa', `--token=${token}`]);
      await local(['set-context', 'myexample', '--cluster=local', '--user=myexample-sa', `--namespace=${ns}`]);
      await local(['use-context', 'myexample']);
      chmodSync(out, 0o600);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const stamp = `${process.pid}-${Date.now().toString(36)}`;
    await task(
      "tutorial `create` (dry run, pre-check, verify) vs the tutorial's kubectl steps",
      where,
      (i) => {
        made.push(`bench-s-${stamp}-${serial}-${i}`);
        return sakRun([
          'create',
          '-n',
          `bench-s-${stamp}-${serial}-${i}`,
          '--create-namespace',
          '-s',
          'myexample-sa',
          '--rule',
          'pods:get,watch,list,create',
          '--rule',
          'pods/exec:create',
          '--duration',
          '24h',
          '--out',
          path.join(work, `s-${serial}-${i}.kubeconfig`),
          '--yes',
        ]);
      },
      (i) => kubectlTutorial(`bench-k-${stamp}-${serial}-${i}`),
    );
    serial++;
  }
  if (only.includes('discover')) {
    const fresh = () => mkdtempSync(path.join(work, 'cold-'));
    await task(
      '`discover` vs `kubectl api-resources`, cold cache',
      where,
      () => {
        const home = fresh();
        return sakRun(['discover', '-o', 'json'], { HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') });
      },
      () => kubectlRun(['--cache-dir', fresh(), 'api-resources']),
    );
    const warmHome = fresh();
    const warmKubectl = fresh();
    const warm = { HOME: warmHome, XDG_CACHE_HOME: path.join(warmHome, '.cache') };
    await sakRun(['discover', '-o', 'json'], warm);
    await kubectlRun(['--cache-dir', warmKubectl, 'api-resources']);
    await task(
      '`discover` vs `kubectl api-resources`, warm cache',
      where,
      () => sakRun(['discover', '-o', 'json'], warm),
      () => kubectlRun(['--cache-dir', warmKubectl, 'api-resources']),
    );
  }
}
if (only.includes('start')) {
  const nodeRun = () => run('node', ['-e', '0']);
  await task('`--version` vs `node -e 0`', 'local', () => run('node', [cli, '--version']), nodeRun);
  await task('`presets` vs `node -e 0`', 'local', () => run('node', [cli, 'presets']), nodeRun);
  await task('`--help` vs `node -e 0`', 'local', () => run('node', [cli, '--help']), nodeRun);
  const offline = ['create', '--dry-run', '--offline', '-n', 'ci', '-s', 'deployer', '--rule', 'pods:get'];
  await task('`create --dry-run --offline` vs `node -e 0`', 'local', () => run('node', [cli, ...offline]), nodeRun);
}
await relay?.close();

// --- the tree, in the extension host ------------------------------------------------------------------------------
// Real VS Code (code-server, as `npm run test:vscode` runs it) with the extension as built, timing our tree's answers
// to getChildren (test/vscode/treeTiming.bench.ts): the admin context node (the cluster's namespaces) and a namespace
// of 1,000 service accounts (seeded here; it sorts first, so it is on the first page), each from a full refresh,
// next to `kubectl get namespaces` and `kubectl get serviceaccounts -n` that namespace.
if (only.includes('tree')) {
  const wide = 'bench-000-wide';
  if ((await api('GET', `/api/v1/namespaces/${wide}/serviceaccounts/sa-999`)).status !== 200) {
    await ensure('/api/v1/namespaces', { metadata: { name: wide, labels: { 'sak-bench': 'fixture' } } });
    const names = Array.from({ length: 1000 }, (_, j) => `sa-${j}`);
    await parallel(names, 32, (name) => ensure(`/api/v1/namespaces/${wide}/serviceaccounts`, { metadata: { name } }));
    say(`seeded ${wide} with 1,000 service accounts`);
  }
  say('tree (local): the extension host suite with SAK_SUITE_FILES=bench (scripts/code-server-suite.sh)');
  execFileSync('node', ['esbuild.mjs', '--tests'], { cwd: repo, stdio: 'ignore' });
  const out = execFileSync('bash', [path.join(repo, 'scripts/code-server-suite.sh')], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      KUBECONFIG: adminKubeconfig,
      SAK_ADMIN_KUBECONFIG: adminKubeconfig,
      SAK_KUBECTL: kubectl,
      SAK_SUITE_FILES: 'bench',
      SAK_BENCH_WIDE_NS: wide,
      SAK_BENCH_RUNS: String(runs),
    },
  });
  const line = out.split('\n').find((l) => l.includes('SAK_BENCH '));
  if (!line) throw new Error(`the tree timing printed no result:\n${out.slice(-2000)}`);
  const tree = JSON.parse(line.slice(line.indexOf('SAK_BENCH ') + 'SAK_BENCH '.length));
  const kubectlLocal = (args) => run(kubectl, ['--kubeconfig', adminKubeconfig, ...args]);
  for (const [key, name, args] of [
    ['context', `tree: context node (${tree.context.items} namespaces) vs \`kubectl get namespaces\``, ['get', 'ns']],
    [
      'namespace',
      `tree: namespace of 1,000 service accounts (${tree.namespace.items} nodes) vs \`kubectl get sa -n\``,
      ['get', 'sa', '-n', wide],
    ],
  ]) {
    const k = [];
    for (let i = 0; i < runs; i++) k.push(await measure(() => kubectlLocal(args)));
    const times = { sak: tree[key].ms, kubectl: k.map((x) => x.ms) };
    rows.push({
      name,
      where: 'local, extension host',
      ms: median(times.sak),
      mk: median(times.kubectl),
      rs: median(tree[key].requests),
      rk: median(k.map((x) => x.requests)),
      times,
    });
  }
}
agent.destroy();

// --- the table --------------------------------------------------------------------------------------------------
const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? os.cpus()[0]?.model;
console.log(
  `\n${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs (${cpu}), node ${process.version}; ` +
    `${NAMESPACES} namespaces x ${ACCOUNTS} service accounts; median of ${runs} alternating whole-process runs\n`,
);
console.log('| task | where | sa-kubeconfig | kubectl | ratio | requests (sa-kubeconfig / kubectl) |');
console.log('|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.name} | ${r.where} | ${sec(r.ms)} | ${sec(r.mk)} | ${(r.ms / r.mk).toFixed(2)}x | ${r.rs} / ${r.rk} |`,
  );
console.log('\nAll runs (ms), sa-kubeconfig | kubectl:');
for (const r of rows)
  console.log(
    `  ${r.name} (${r.where}): ${r.times.sak.map(Math.round).join(' ')} | ${r.times.kubectl.map(Math.round).join(' ')}`,
  );

// The tutorial runs' namespaces go; the fixture stays for the next run unless the cluster is stopped.
if (made.length > 0)
  execFileSync(kubectl, ['--kubeconfig', adminKubeconfig, 'delete', 'namespace', ...made, '--wait=false'], {
    stdio: 'ignore',
  });
rmSync(work, { recursive: true, force: true });
if (!flag('keep')) {
  say(`stopping cluster "${clusterName}" (--keep leaves it up)`);
  execFileSync('bash', [path.join(repo, 'test/cluster/down.sh'), '--name', clusterName], { stdio: 'ignore' });
}

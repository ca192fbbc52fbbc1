// Starts real VS Code (code-server, run by the Node 24 that scripts/ensure-code-server.sh installed) and a headless
// Debian Chromium driven by Playwright. Shared by the extension-host suite runner (codeServer.ts) and the e2e harness.
// Everything code-server writes goes to a throw-away folder of this run (HOME, XDG_*, TMPDIR, user data, extensions,
// config), so it neither reads nor changes the user's own VS Code or code-server setup. What it started is stopped on
// every exit path: stop(), process exit, SIGINT/SIGTERM.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** User settings that keep the workbench quiet and deterministic: no welcome page, tips, update or trust prompts. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'window.commandCenter': false,
};

export function elapsed(startMs: number): string {
  return `${((Date.now() - startMs) / 1000).toFixed(1)}s`;
}

/**
 * The neighbours' .vsix files, dependency first: Red Hat's YAML extension, then Microsoft's Kubernetes extension.
 * Built once per vendored archive by scripts/ensure-neighbours.sh (cached outside the work tree); scripts/test.sh
 * exports SAK_NEIGHBOUR_VSIXES, else the script is run here (a no-op once built).
 */
export function neighbours(): string[] {
  let line = process.env.SAK_NEIGHBOUR_VSIXES ? `SAK_NEIGHBOUR_VSIXES=${process.env.SAK_NEIGHBOUR_VSIXES}` : '';
  if (!line) {
    line =
      execFileSync('bash', [join(REPO_ROOT, 'scripts', 'ensure-neighbours.sh'), '--quiet'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      })
        .trim()
        .split('\n')
        .pop() ?? '';
  }
  const vsixes = line
    .replace(/^SAK_NEIGHBOUR_VSIXES=/, '')
    .split(':')
    .filter(Boolean);
  if (vsixes.length !== 2 || !vsixes.every((v) => existsSync(v))) {
    throw new Error(`the neighbours' .vsix files are missing (${line}); run bash scripts/ensure-neighbours.sh`);
  }
  return vsixes;
}

/**
 * Settings of Microsoft's Kubernetes extension for a test run: the local cluster's kubectl (SAK_KUBECTL), no Helm,
 * minikube or recommendation prompts (their binaries are absent here). Its kubeconfig stays KUBECONFIG's unless a
 * test sets `vs-kubernetes.kubeconfig`. Its settings live in one object, as that extension reads them.
 */
export function neighbourSettings(): Record<string, unknown> {
  let kubectlPath = process.env.SAK_KUBECTL ?? '';
  if (!kubectlPath) {
    try {
      kubectlPath = execFileSync('bash', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
    } catch {
      /* none */
    }
  }
  return {
    'vs-kubernetes': {
      'vs-kubernetes.kubectl-path': kubectlPath,
      'vs-kubernetes.kubectlVersioning': 'user-provided',
      'vs-kubernetes.suppress-helm-not-found-alerts': true,
      'vs-kubernetes.suppress-kubectl-not-found-alerts': true,
      'vs-kubernetes.ignore-recommendations': true,
      'vs-kubernetes.enable-minimal-workflow': false,
      checkForMinikubeUpgrade: false,
    },
    // Red Hat's YAML extension asks about telemetry on first start.
    'redhat.telemetry.enabled': false,
  };
}

interface CodeServerInstall {
  node24: string;
  entry: string;
}

/** Reads the paths written by scripts/ensure-code-server.sh; runs it first (a no-op once installed). */
export function codeServerInstall(): CodeServerInstall {
  execFileSync('bash', [join(REPO_ROOT, 'scripts', 'ensure-code-server.sh'), '--quiet'], { stdio: 'inherit' });
  const cache = process.env.XDG_CACHE_HOME || join(process.env.HOME ?? '', '.cache');
  const envFile = join(cache, 'sa-kubeconfig', 'code-server-4.139.1', 'env');
  const vars = Object.fromEntries(
    readFileSync(envFile, 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z0-9_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const node24 = vars.SAK_NODE24;
  const entry = vars.SAK_CODE_SERVER_ENTRY;
  if (!node24 || !entry || !existsSync(node24) || !existsSync(entry)) {
    throw new Error(
      `${envFile} does not name an existing Node 24 and code-server; ` +
        `delete ${join(cache, 'sa-kubeconfig', 'code-server-4.139.1')} and run scripts/ensure-code-server.sh`,
    );
  }
  return { node24, entry };
}

export interface CodeServerOptions {
  /** Short name of the run, used in folder names (e.g. "suite", "e2e"). */
  name: string;
  /** Folder for logs kept after the run (created). */
  resultsDir: string;
  /** .vsix files to install into the run's own extensions folder before starting. */
  installExtensions?: string[];
  /** Also install the neighbours users run next to sa-kubeconfig (Kubernetes + YAML extensions; see neighbours()),
   *  with settings that point them at the local cluster's kubectl and keep them quiet. */
  neighbours?: boolean;
  /** Extra user settings (merged over the defaults). */
  settings?: Record<string, unknown>;
  /** Extra `--vscode-option` values (e.g. "enable-smoke-test-driver"). */
  vscodeOptions?: string[];
  /** Environment for code-server and so for its extension host (defaults to this process's). */
  env?: NodeJS.ProcessEnv;
  /** Folder to open in the workbench. */
  folder?: string;
}

export interface CodeServer {
  url: string;
  port: number;
  /** The remote authority the workbench uses for files of this server (`vscode-remote://<authority>/abs/path`). */
  authority: string;
  logFile: string;
  stateDir: string;
  /** Last lines of code-server's own log, for error messages. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

const cleanups = new Set<() => void>();
let exitHooksInstalled = false;

/** Runs every pending synchronous cleanup once; installed on exit and on SIGINT/SIGTERM/SIGHUP. */
function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  const runAll = (): void => {
    for (const cleanup of [...cleanups].reverse()) {
      try {
        cleanup();
      } catch {
        /* best effort while exiting */
      }
    }
    cleanups.clear();
  };
  process.on('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\n[code-server] ${signal}: stopping code-server and the browser`);
      runAll();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Kills the whole process group (code-server starts helper processes and the extension host). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

/** The environment code-server and its extension host get: this process's, minus anything that would tie it to a
 *  VS Code the tests run inside, plus the run's own HOME/XDG/TMPDIR (and so its own ledger). */
function isolatedEnv(base: NodeJS.ProcessEnv, stateDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    // VSCODE_IPC_HOOK_CLI would make code-server hand the request to an outer instance instead of starting.
    if (/^(VSCODE_|ELECTRON_RUN_AS_NODE$|CODE_SERVER_|PASSWORD$|HASHED_PASSWORD$|PORT$)/.test(key)) continue;
    env[key] = value;
  }
  for (const [key, dir] of [
    ['HOME', 'home'],
    ['XDG_CONFIG_HOME', 'config'],
    ['XDG_DATA_HOME', 'data'],
    ['XDG_CACHE_HOME', 'cache'],
    ['TMPDIR', 'tmp'],
  ] as const) {
    env[key] = join(stateDir, dir);
    mkdirSync(env[key] as string, { recursive: true });
  }
  // Each code-server keeps its own credential ledger (the default under its XDG_CONFIG_HOME): credentials another
  // test file issued must not show up here (e.g. as an expiry notification taking the keyboard mid-test).
  delete env.SA_KUBECONFIG_LEDGER;
  return env;
}

/** Starts code-server on a free loopback port and waits for /healthz. */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  installExitHooks();
  const started = Date.now();
  const { node24, entry } = codeServerInstall();
  mkdirSync(options.resultsDir, { recursive: true });
  // A short path in the system temp folder: VS Code puts unix sockets in TMPDIR (limit ~107 characters).
  const stateDir = mkdtempSync(join(tmpdir(), `sak-${options.name}-`));
  const userDataDir = join(stateDir, 'user-data');
  const removeState = (): void => {
    // Keep VS Code's own logs (exthost, renderer, ...) next to code-server's for a failed run to be read.
    const logs = join(userDataDir, 'logs');
    if (existsSync(logs)) {
      try {
        cpSync(logs, join(options.resultsDir, `vscode-logs-${options.name}`), { recursive: true });
      } catch {
        /* best effort */
      }
    }
    rmSync(stateDir, { recursive: true, force: true });
    cleanups.delete(removeState);
  };
  cleanups.add(removeState);
  const env = isolatedEnv(options.env ?? process.env, stateDir);
  const extensionsDir = join(stateDir, 'extensions');
  const config = join(stateDir, 'config.yaml');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const settings: Record<string, unknown> = { ...USER_SETTINGS, ...(options.neighbours ? neighbourSettings() : {}) };
  for (const [key, value] of Object.entries(options.settings ?? {})) {
    // An object setting (the Kubernetes extension keeps all of its own in one) is merged, not replaced.
    const old = settings[key];
    const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    settings[key] = isObject(old) && isObject(value) ? { ...(old as object), ...(value as object) } : value;
  }
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  // Loopback only, so no password is needed; cert false keeps it plain HTTP.
  writeFileSync(config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  const baseArgs = ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  const logFile = join(options.resultsDir, `code-server-${options.name}.log`);
  const log = createWriteStream(logFile);

  const toInstall = [...(options.neighbours ? neighbours() : []), ...(options.installExtensions ?? [])];
  for (const vsix of toInstall) {
    const t = Date.now();
    if (!existsSync(vsix)) throw new Error(`${vsix} does not exist; build it with npm run package`);
    const out = execFileSync(node24, [entry, ...baseArgs, '--install-extension', vsix, '--force'], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    log.write(out);
    console.log(`[code-server] installed ${vsix} into the run's extensions folder in ${elapsed(t)}`);
  }

  const args = [
    entry,
    ...baseArgs,
    '--bind-addr',
    '127.0.0.1:0',
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(options.vscodeOptions ?? []).flatMap((o) => ['--vscode-option', o]),
    ...(options.folder ? [options.folder] : []),
  ];
  const child = spawn(node24, args, { env, cwd: stateDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
    log.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const hardKill = (): void => killGroup(child, 'SIGKILL');
  cleanups.add(hardKill);
  const logTail = (lines = 30): string => output.split('\n').slice(-lines).join('\n');

  const stop = async (): Promise<void> => {
    cleanups.delete(hardKill);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    // The extension host may outlive the server briefly; make sure the group is gone.
    killGroup(child, 'SIGKILL');
    await new Promise<void>((done) => log.end(done));
    removeState();
  };

  try {
    const port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error('code-server did not report its address within 60 s')), 60_000);
      const onData = (): void => {
        const match = /HTTP server listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolvePort(Number(match[1]));
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`code-server exited early (code ${code}, signal ${signal})`));
      });
    });
    const url = `http://127.0.0.1:${port}/`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const res = await fetch(`${url}healthz`);
        if (res.ok) break;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new Error(`code-server at ${url} did not answer /healthz within 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    console.log(`[code-server] ready at ${url} in ${elapsed(started)} (log: ${logFile})`);
    return {
      url,
      port,
      authority: `127.0.0.1:${port}`,
      logFile,
      stateDir,
      logTail,
      stop,
    };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- last lines of ${logFile} ---\n${logTail()}`);
  }
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Launches headless Debian Chromium through playwright-core. */
export async function launchBrowser(): Promise<BrowserSession> {
  installExitHooks();
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing; run scripts/ensure-chromium.sh (as root: apt-get install -y chromium)`);
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  // Playwright kills the browsers it launched on process exit and on SIGINT/SIGTERM/SIGHUP by itself.
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  return {
    browser,
    context,
    page,
    close: async () => {
      await browser.close().catch(() => undefined);
    },
  };
}

/** Removes a folder if it exists (used for per-run result folders). */
export function freshDir(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

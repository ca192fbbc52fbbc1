// Harness for the browser tests: code-server with the built .vsix installed into a throw-away extensions folder,
// opened in headless Debian Chromium through Playwright, plus helpers that act like a user (click, read, type).
// KUBECONFIG and SAK_* of this process reach the extension host (scripts/e2e.sh runs under scripts/with-cluster.sh).
//
//   const wb = await startWorkbench({ name: 'my-test' });
//   await wb.clickActivityBarItem('SA Kubeconfig');
//   const rows = await wb.treeItems('Clusters');
//   await wb.screenshot('my-test');      // test-results/e2e/my-test.png, credentials in editors masked
//   await wb.stop();
// Also the cluster side of the tests: the admin kubeconfig and the wizard's frame (kubectl: test/support/kubectl.ts).
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

import {
  elapsed,
  launchBrowser,
  REPO_ROOT,
  startCodeServer,
  type BrowserSession,
  type CodeServer,
} from '../runners/codeServerHost';

export const RESULTS_DIR = join(REPO_ROOT, 'test-results', 'e2e');
export const VSIX = join(REPO_ROOT, 'dist', 'sa-kubeconfig.vsix');

/** The test cluster's admin kubeconfig (set by scripts/with-cluster.sh; empty when not run through it). */
export const ADMIN_KUBECONFIG = process.env.SAK_ADMIN_KUBECONFIG ?? '';
/** The wizard page of the last webview opened: VS Code puts a webview's content in an inner iframe of an outer one. */
export function wizard(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
}

export interface WorkbenchOptions {
  /** Names the run's log files in test-results/e2e. */
  name: string;
  /** Defaults to dist/sa-kubeconfig.vsix (npm run package). */
  vsix?: string;
  /** Environment of code-server and its extension host; defaults to this process's (KUBECONFIG, SAK_*, ...). */
  env?: NodeJS.ProcessEnv;
  /** Folder to open in the workbench (none: an empty window). */
  folder?: string;
  /** Install Microsoft's Kubernetes extension and its YAML dependency too (built from shared/vendor). */
  neighbours?: boolean;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
}

export interface TreeItem {
  label: string;
  /** The row's full accessible text (label, description, tooltip-like details VS Code puts in aria-label). */
  ariaLabel: string;
  /** 1 for top-level items. */
  level: number;
  expanded: boolean | undefined;
}

export class Workbench {
  private constructor(
    readonly page: Page,
    /** The code-server this workbench started (undefined when attached to one started elsewhere). */
    readonly server: CodeServer | undefined,
    private readonly session: BrowserSession,
    /** Workbench console lines (errors and warnings), for failure messages. */
    readonly consoleLines: string[],
  ) {}

  static async start(options: WorkbenchOptions): Promise<Workbench> {
    const server = await startCodeServer({
      name: options.name,
      resultsDir: RESULTS_DIR,
      installExtensions: [options.vsix ?? VSIX],
      neighbours: options.neighbours,
      settings: options.settings,
      env: options.env ?? process.env,
      ...(options.folder ? { folder: options.folder } : {}),
    });
    try {
      return await Workbench.open(server.url, server);
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  /** Opens a workbench that is already served at `url` (e.g. by scripts/start.sh); stop() closes only the browser. */
  static attach(url: string): Promise<Workbench> {
    return Workbench.open(url, undefined);
  }

  private static async open(url: string, server: CodeServer | undefined): Promise<Workbench> {
    const started = Date.now();
    const session = await launchBrowser();
    try {
      const consoleLines: string[] = [];
      session.page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') consoleLines.push(`[${msg.type()}] ${msg.text()}`);
      });
      session.page.on('pageerror', (err) => consoleLines.push(`[pageerror] ${err.message}`));
      await session.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await session.page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 60_000 });
      console.log(`      [e2e] workbench ready in ${elapsed(started)}`);
      return new Workbench(session.page, server, session, consoleLines);
    } catch (err) {
      await session.close();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.session.close();
    await this.server?.stop();
  }

  /** The activity-bar entry whose title (tooltip / aria-label) starts with `title`. */
  activityBarItem(title: string): Locator {
    return this.page.locator(`.part.activitybar .action-item .action-label[aria-label^="${cssString(title)}"]`).first();
  }

  /** Clicks an activity-bar entry and waits until its side bar is shown. */
  async clickActivityBarItem(title: string): Promise<void> {
    const item = this.activityBarItem(title);
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    const checked =
      (await item.locator('xpath=..').getAttribute('aria-selected')) === 'true' ||
      (await item.locator('xpath=..').getAttribute('class'))?.includes('checked');
    // Clicking the entry of the open container would close the side bar.
    if (!checked) await item.click();
    await this.page.locator('.part.sidebar').waitFor({ state: 'visible', timeout: 30_000 });
  }

  /** The view pane (header + body) titled `viewName` in the side bar. */
  view(viewName: string): Locator {
    return this.page
      .locator('.part.sidebar .pane')
      .filter({
        has: this.page.locator('.pane-header', {
          has: this.page.locator('h3.title', { hasText: new RegExp(`^${escapeRegExp(viewName)}$`, 'i') }),
        }),
      })
      .first();
  }

  /** Visible rows of a tree view, top to bottom (VS Code renders only the rows in view). */
  async treeItems(viewName: string): Promise<TreeItem[]> {
    const rows = this.view(viewName).locator('.pane-body .monaco-list-row');
    const count = await rows.count();
    const items: TreeItem[] = [];
    for (let i = 0; i < count; i++) {
      const row = rows.nth(i);
      const expanded = await row.getAttribute('aria-expanded');
      items.push({
        label: (await row.locator('.label-name').first().textContent())?.trim() ?? '',
        ariaLabel: (await row.getAttribute('aria-label')) ?? '',
        level: Number((await row.getAttribute('aria-level')) ?? '1'),
        expanded: expanded === null ? undefined : expanded === 'true',
      });
    }
    return items;
  }

  /** The text of a view's welcome content (viewsWelcome), empty when the view shows data instead. */
  async viewWelcomeText(viewName: string): Promise<string> {
    const welcome = this.view(viewName).locator('.pane-body .welcome-view-content');
    if ((await welcome.count()) === 0 || !(await welcome.first().isVisible())) return '';
    return (await welcome.first().innerText()).trim();
  }

  /** Waits until a row labelled `label` shows in the view (trees load asynchronously) and returns the rows then. */
  async waitForTreeItem(viewName: string, label: string, timeoutMs = 30_000): Promise<TreeItem[]> {
    const row = this.view(viewName).locator('.pane-body .monaco-list-row', {
      has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }),
    });
    await row.first().waitFor({ state: 'visible', timeout: timeoutMs });
    return this.treeItems(viewName);
  }

  /** Waits until the view's welcome content contains `text` and returns all of it. */
  async waitForWelcomeText(viewName: string, text: string, timeoutMs = 30_000): Promise<string> {
    await this.view(viewName)
      .locator('.pane-body .welcome-view-content', { hasText: text })
      .first()
      .waitFor({ state: 'visible', timeout: timeoutMs });
    return this.viewWelcomeText(viewName);
  }

  /** Title of the side bar (for a container with one view: "<container>: <view>"). */
  async sideBarTitle(): Promise<string> {
    return (await this.page.locator('.part.sidebar .composite.title .title-label h2').first().innerText()).trim();
  }

  /** The QuickInput's text box (the palette, QuickPick steps, code-server's simple file dialog). */
  quickInput(): Locator {
    return this.page.locator('.quick-input-widget .quick-input-box input');
  }

  /** Runs a command the way a user does: F1, type its title, pick the entry whose label matches exactly. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.quickInput();
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${title}`);
    const entry = this.page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row', {
        has: this.page.locator('.label-name', { hasText: new RegExp(`^(.*: )?${escapeRegExp(title)}$`) }),
      })
      .first();
    await entry.waitFor({ state: 'visible', timeout: 10_000 });
    await entry.click();
    await input.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
  }

  /** Switches the colour theme through "Preferences: Color Theme", as a user does. */
  async setTheme(label: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.quickInput();
    await input.fill('>Preferences: Color Theme');
    await this.page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: /^Preferences: Color Theme/ })
      .first()
      .click();
    await input.fill(label);
    await this.page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: label })
      .first()
      .click();
    await input.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
    await this.page.waitForTimeout(800);
  }

  /**
   * Waits for VS Code's save dialog and returns its path box. In code-server it is the simple file dialog: a QuickInput
   * holding the path (the folder first, then the suggested name).
   */
  async saveDialog(timeoutMs = 10_000): Promise<Locator> {
    const input = this.quickInput();
    await input.waitFor({ state: 'visible', timeout: timeoutMs });
    return input;
  }

  /** Types `file` into the open save dialog, presses OK and waits until the file is written; throws when it is not. */
  async acceptSaveDialog(file: string): Promise<void> {
    await this.quickInput().fill(file);
    await this.page.waitForTimeout(300); // the simple dialog validates the typed path before it accepts it
    await this.page.locator('.quick-input-widget .monaco-button', { hasText: /^OK$/ }).first().click();
    const deadline = Date.now() + 30_000;
    while (!existsSync(file) && Date.now() < deadline) await this.page.waitForTimeout(200);
    if (!existsSync(file)) throw new Error(`${file} was not written`);
  }

  /** Text of the active text editor's visible lines (Monaco renders only what is on screen). */
  async activeEditorText(): Promise<string> {
    const lines = this.page
      .locator('.editor-group-container.active .editor-instance .monaco-editor .view-lines')
      .first();
    await lines.waitFor({ state: 'visible', timeout: 10_000 });
    const rows = await lines.locator('.view-line').evaluateAll((els) =>
      els
        .map((el) => ({ top: parseFloat((el as HTMLElement).style.top || '0'), text: (el as HTMLElement).innerText }))
        .sort((a, b) => a.top - b.top)
        .map((l) => l.text.replace(/\u00a0/g, ' ')),
    );
    return rows.join('\n');
  }

  /** Title of the active editor tab. */
  async activeEditorTitle(): Promise<string> {
    return (
      await this.page
        .locator('.editor-group-container.active .tabs-container .tab.active .label-name')
        .first()
        .innerText()
    ).trim();
  }

  /**
   * Saves a PNG of the whole window to test-results/e2e/<name>.png and returns its path. Credentials never reach a
   * screenshot: editor lines holding a token or certificate/key data (and the minimap of such an editor) are painted
   * over, and the screenshot is refused when a token-shaped text is visible anywhere else in the workbench.
   */
  async screenshot(name: string): Promise<string> {
    // An absolute *.png path is used as it is (scripts/start.sh --check names its own file).
    const path =
      isAbsolute(name) && name.endsWith('.png') ? name : join(RESULTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    mkdirSync(dirname(path), { recursive: true });
    const mask = this.credentialMask();
    const exposed = await this.unmaskedCredentialText();
    if (exposed.length > 0) {
      throw new Error(
        `refusing to save screenshot ${name}: credential-looking text visible outside the masked editor lines, ` +
          `in: ${exposed.join('; ')}`,
      );
    }
    // Playwright places the mask where the lines are when it starts; the editor may move them meanwhile (a CodeLens
    // appearing pushes every line down). Keep the screenshot only when the masked boxes did not move during it.
    for (let attempt = 1; ; attempt++) {
      const before = await maskBoxes(mask);
      await this.page.screenshot({ path, mask, maskColor: MASK_COLOR });
      const after = await maskBoxes(mask);
      if (before === after) break;
      if (attempt === 5)
        throw new Error(`screenshot ${name}: the credential lines kept moving; cannot mask them reliably`);
      await this.page.waitForTimeout(300);
    }
    this.lastMaskedLines = await mask[0]!.count();
    return path;
  }

  /** How many editor lines the last screenshot masked (tests check that a kubeconfig tab's credentials were). */
  lastMaskedLines = 0;

  /** Editor lines (and the minimaps of editors) that show credential material. */
  credentialMask(): Locator[] {
    const lines = this.page.locator('.monaco-editor .view-line, .monaco-editor .sticky-line-content');
    return [
      lines.filter({ hasText: CREDENTIAL_LINE }),
      // A wrapped token or base64 blob continues on lines of its own.
      lines.filter({ hasText: CREDENTIAL_CONTINUATION }),
      // The minimap paints the text too, small.
      this.page
        .locator('.monaco-editor')
        .filter({ has: this.page.locator('.view-line').filter({ hasText: CREDENTIAL_LINE }) })
        .locator('.minimap'),
    ];
  }

  /** Where token-shaped text is visible in the workbench outside editor lines (the page itself, not webviews). */
  private async unmaskedCredentialText(): Promise<string[]> {
    return this.page.evaluate(
      ({ jwt, credentialLine, continuation, hidden }) => {
        const found: string[] = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (!new RegExp(jwt).test(node.textContent ?? '')) continue;
          const el = node.parentElement;
          if (!el || el.closest(hidden)) continue;
          const line = el.closest('.monaco-editor .view-line, .monaco-editor .sticky-line-content');
          const lineText = line?.textContent ?? '';
          if (line && (new RegExp(credentialLine).test(lineText) || new RegExp(continuation).test(lineText))) continue;
          const box = el.getBoundingClientRect();
          const style = getComputedStyle(el);
          if (box.width < 2 || box.height < 2 || style.visibility === 'hidden' || style.opacity === '0') continue;
          found.push(`${el.tagName.toLowerCase()}.${(el.getAttribute('class') ?? '').trim().split(/\s+/).join('.')}`);
        }
        return found;
      },
      {
        jwt: JWT.source,
        credentialLine: CREDENTIAL_LINE.source,
        continuation: CREDENTIAL_CONTINUATION.source,
        // Monaco's input helpers hold the text around the cursor for screen readers and IMEs; they are not painted.
        hidden: '.monaco-editor .native-edit-context, .monaco-editor textarea, .monaco-editor .minimap',
      },
    );
  }
}

/** Where the masked elements are on screen, as one comparable string. */
async function maskBoxes(mask: Locator[]): Promise<string> {
  const boxes = await Promise.all(
    mask.map((locator) =>
      locator.evaluateAll((els) =>
        els
          .map((el) => {
            const r = el.getBoundingClientRect();
            return [r.x, r.y, r.width, r.height].map(Math.round).join(',');
          })
          .join(' '),
      ),
    ),
  );
  return boxes.join(' | ');
}

/** Magenta, so that a masked credential is unmistakable in a screenshot. */
const MASK_COLOR = '#ff00ff';
/** A kubeconfig line carrying a credential: `token:`, `certificate-authority-data:`, `client-key-data:`, ... */
const CREDENTIAL_LINE = /(^|\s)(token|[\w-]+-data|password):/;
/** A line that is nothing but a long token-or-base64 run (the continuation of a wrapped credential). */
const CREDENTIAL_CONTINUATION = /^[\s\u00a0]*[A-Za-z0-9+/=_.-]{40,}[\s\u00a0]*$/;
/** A JSON Web Token: header and payload are base64url JSON, so both start with "eyJ". */
const JWT = /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}/;

export const startWorkbench = (options: WorkbenchOptions): Promise<Workbench> => Workbench.start(options);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function cssString(text: string): string {
  return text.replace(/["\\]/g, '\\$&');
}

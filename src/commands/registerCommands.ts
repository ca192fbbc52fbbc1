// The one list of commands. Each is a plain function in its own file; this wraps every one in the same error
// handling: the error goes to the log, and a notification says in one sentence what failed and what to do, with
// "Show Details" (the full explanation, rendered) and "Retry" where retrying can help (support/errorNotice.ts).
import * as vscode from 'vscode';

import { isSaKubeconfigError } from '../core/errors';
import { openMarkdownReport } from '../editor/reports';
import { addNamespace } from './addNamespace';
import { auditCredentials } from './auditCredentials';
import { checkAccess } from './checkAccess';
import { clearFilter } from './clearFilter';
import { copyToken } from './copyToken';
import { deleteServiceAccount } from './deleteServiceAccount';
import type { CommandDeps } from './deps';
import { filterTree } from './filterTree';
import { generateKubeconfig } from './generateKubeconfig';
import { loadMore } from './loadMore';
import { mergeKubeconfig } from './mergeKubeconfig';
import { newToken } from './newToken';
import { openKubeconfigFile } from './openKubeconfigFile';
import { openWizardCommand } from './openWizard';
import { quickCreate } from './quickCreate';
import { refreshTree } from './refreshTree';
import { renewCredential } from './renewCredential';
import { retryNode } from './retryNode';
import { revokeCredential } from './revokeCredential';
import { revokeCredentials } from './revokeCredentials';
import { revokeToken } from './revokeToken';
import { rotateToken } from './rotateToken';
import { saveKubeconfigAs } from './saveKubeconfigAs';
import { selectContext } from './selectContext';
import { showExpiring } from './showExpiring';
import { showUsage } from './showUsage';
import { showYaml } from './showYaml';
import { shrinkToObservedUse } from './shrinkToObservedUse';
import { errorNotice } from './support/errorNotice';
import { testConnection } from './testConnection';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandFunction = (deps: CommandDeps, ...args: any[]) => unknown;

/** Command id → function. The ids are the ones package.json contributes. */
export const COMMANDS: Record<string, CommandFunction> = {
  'saKubeconfig.createKubeconfig': openWizardCommand,
  'saKubeconfig.quickCreate': quickCreate,
  'saKubeconfig.generateKubeconfig': generateKubeconfig,
  'saKubeconfig.newToken': newToken,
  'saKubeconfig.rotateToken': rotateToken,
  'saKubeconfig.revokeToken': revokeToken,
  'saKubeconfig.revokeCredential': revokeCredential,
  'saKubeconfig.revokeCredentials': revokeCredentials,
  'saKubeconfig.checkAccess': checkAccess,
  'saKubeconfig.showYaml': showYaml,
  'saKubeconfig.deleteServiceAccount': deleteServiceAccount,
  'saKubeconfig.copyToken': copyToken,
  'saKubeconfig.refresh': refreshTree,
  'saKubeconfig.selectContext': selectContext,
  'saKubeconfig.filter': filterTree,
  'saKubeconfig.clearFilter': clearFilter,
  'saKubeconfig.loadMore': loadMore,
  'saKubeconfig.addNamespace': addNamespace,
  'saKubeconfig.retry': retryNode,
  'saKubeconfig.openKubeconfigFile': openKubeconfigFile,
  'saKubeconfig.saveKubeconfigAs': saveKubeconfigAs,
  'saKubeconfig.mergeKubeconfig': mergeKubeconfig,
  'saKubeconfig.testConnection': testConnection,
  'saKubeconfig.showLog': (deps) => deps.logger.show(),
  'saKubeconfig.renewCredential': renewCredential,
  'saKubeconfig.showExpiring': showExpiring,
  'saKubeconfig.auditCredentials': auditCredentials,
  'saKubeconfig.showUsage': showUsage,
  'saKubeconfig.shrinkToObservedUse': shrinkToObservedUse,
};

/** Registers every command with the shared error handling; returns the disposables (also pushed to the context). */
export function registerCommands(context: vscode.ExtensionContext, deps: CommandDeps): vscode.Disposable[] {
  const disposables = Object.entries(COMMANDS).map(([id, fn]) =>
    vscode.commands.registerCommand(id, (...args: unknown[]) => runWithErrorHandling(id, fn, deps, args)),
  );
  context.subscriptions.push(...disposables);
  return disposables;
}

async function runWithErrorHandling(
  id: string,
  fn: CommandFunction,
  deps: CommandDeps,
  args: unknown[],
): Promise<unknown> {
  try {
    return await fn(deps, ...args);
  } catch (err) {
    if (isSaKubeconfigError(err, 'aborted')) {
      // The message says what a cancel part-way had already done (e.g. the objects a delete had removed).
      deps.logger.info(`${id}: ${err.message}`);
      return undefined;
    }
    deps.logger.logError(`${id} failed`, err);
    void offerActions(id, fn, deps, args, err);
    // Not rethrown: the workbench would show a second, less helpful notification. Tests call the functions directly.
    return undefined;
  }
}

async function offerActions(
  id: string,
  fn: CommandFunction,
  deps: CommandDeps,
  args: unknown[],
  err: unknown,
): Promise<void> {
  const what = commandTitle(deps, id);
  const notice = errorNotice(what, err);
  const choice = await deps.prompts.error(notice.summary, 'Show Details', ...(notice.retryable ? ['Retry'] : []));
  if (choice === 'Show Details') await openMarkdownReport(deps.context, `${what} failed`, notice.details);
  else if (choice === 'Retry') await runWithErrorHandling(id, fn, deps, args).catch(() => undefined);
}

/** The command's title as package.json contributes it ("Quick Create…" → "Quick Create"). */
function commandTitle(deps: CommandDeps, id: string): string {
  const commands = (
    deps.context.extension.packageJSON as { contributes?: { commands?: { command: string; title: string }[] } }
  ).contributes?.commands;
  const title = commands?.find((c) => c.command === id)?.title ?? id.replace(/^saKubeconfig\./, '');
  return title.replace(/…$/, '');
}

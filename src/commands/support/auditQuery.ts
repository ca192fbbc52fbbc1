// What Show Usage and Shrink to Observed Use ask before reading: which audit log (files or a folder of rotated logs,
// .gz too; the last choice is remembered per workspace, the setting saKubeconfig.auditLogPaths is the default) and
// which time window. The setting saKubeconfig.auditPolicyPath names the API server's audit policy, so that the
// report can say which of its rules leave requests out. Every path is checked before anything is read.
import * as vscode from 'vscode';

import { readAuditPolicy, type AuditPolicy } from '../../core/audit/policy';
import { AuditSourceError, resolveAuditSources, type AuditFilter } from '../../core/audit/reader';
import { readUsageReport, timeFromText } from '../../core/audit/report';
import type { UsageReport } from '../../core/audit/usage';
import { ValidationError } from '../../core/errors';
import type { PickItem } from '../../editor/prompts';
import type { CommandDeps } from '../deps';

/** workspaceState key of the audit log paths last read in this workspace. */
export const REMEMBERED_AUDIT_LOGS = 'saKubeconfig.auditLogPaths';
const CHOOSE_FILES = '\u0000files';
const CHOOSE_FOLDER = '\u0000folder';

export interface AuditQuery {
  sources: string[];
  filter: AuditFilter;
  policy?: AuditPolicy;
}

function settingPaths(): string[] {
  const value = vscode.workspace.getConfiguration('saKubeconfig').get<unknown>('auditLogPaths');
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

async function pickPaths(deps: CommandDeps): Promise<string[] | undefined> {
  const remembered = deps.context.workspaceState.get<string[]>(REMEMBERED_AUDIT_LOGS) ?? [];
  const setting = settingPaths();
  const items: PickItem<string[] | string>[] = [];
  if (remembered.length > 0) {
    items.push({ label: `$(history) ${remembered.join(', ')}`, description: 'last read here', value: remembered });
  }
  if (setting.length > 0 && setting.join('\n') !== remembered.join('\n')) {
    items.push({ label: `$(gear) ${setting.join(', ')}`, description: 'saKubeconfig.auditLogPaths', value: setting });
  }
  items.push(
    { label: '$(files) Choose audit log files…', description: '.log, rotated, .gz', value: CHOOSE_FILES },
    { label: '$(folder) Choose a folder of rotated logs…', value: CHOOSE_FOLDER },
  );
  const chosen = await deps.prompts.pick('Audit log to read', items, {
    placeholder: "The API server's audit log (--audit-log-path, JSON lines)",
  });
  if (chosen === undefined || Array.isArray(chosen)) return chosen;
  const folder = chosen === CHOOSE_FOLDER;
  const uris = await vscode.window.showOpenDialog({
    title: folder ? 'Folder of audit logs' : 'Audit log files',
    canSelectFiles: !folder,
    canSelectFolders: folder,
    canSelectMany: !folder,
    openLabel: 'Read',
    ...(remembered[0] || setting[0] ? { defaultUri: vscode.Uri.file(remembered[0] ?? setting[0]!) } : {}),
  });
  return uris && uris.length > 0 ? uris.map((u) => u.fsPath) : undefined;
}

async function pickWindow(deps: CommandDeps, now: Date): Promise<{ since?: Date } | undefined> {
  const CUSTOM = -1;
  const hours = await deps.prompts.pick<number>('Time window', [
    { label: 'All of the log', value: 0 },
    { label: 'Last 24 hours', value: 24 },
    { label: 'Last 7 days', value: 24 * 7 },
    { label: 'Last 30 days', value: 24 * 30 },
    { label: 'Since…', description: 'a duration (12h, 14d) or an RFC 3339 time', value: CUSTOM },
  ]);
  if (hours === undefined) return undefined;
  if (hours === 0) return {};
  if (hours > 0) return { since: new Date(now.getTime() - hours * 3_600_000) };
  const text = await deps.prompts.input('Since', {
    placeholder: '14d or 2026-12-01T08:00:00Z',
    validate: (v) => (timeFromText(v, now) ? undefined : 'A duration (12h, 14d) or an RFC 3339 time.'),
  });
  if (text === undefined) return undefined;
  const since = timeFromText(text, now);
  return since ? { since } : undefined;
}

/** Asks for the log and the window; undefined when cancelled. Throws ValidationError for a path it cannot read. */
export async function askAuditQuery(
  deps: CommandDeps,
  who: { namespace: string; serviceAccount: string; credential?: string },
  now = new Date(),
): Promise<AuditQuery | undefined> {
  const paths = await pickPaths(deps);
  if (!paths) return undefined;
  let sources: string[];
  try {
    sources = await resolveAuditSources(paths);
  } catch (err) {
    if (err instanceof AuditSourceError) throw new ValidationError([err.message]);
    throw err;
  }
  await deps.context.workspaceState.update(REMEMBERED_AUDIT_LOGS, paths);
  const window = await pickWindow(deps, now);
  if (!window) return undefined;
  const policyPath = vscode.workspace.getConfiguration('saKubeconfig').get<string>('auditPolicyPath');
  const policy = policyPath ? await readAuditPolicy(policyPath) : undefined;
  const filter: AuditFilter = {
    namespace: who.namespace,
    serviceAccount: who.serviceAccount,
    ...(who.credential ? { credential: who.credential } : {}),
    ...window,
  };
  return { sources, filter, ...(policy ? { policy } : {}) };
}

/** Streams the log(s) into the usage report (the policy's findings in its coverage). */
export async function readUsage(query: AuditQuery, signal: AbortSignal): Promise<UsageReport> {
  try {
    return await readUsageReport(query.sources, query.filter, {
      signal,
      ...(query.policy ? { policy: query.policy } : {}),
    });
  } catch (err) {
    if (err instanceof AuditSourceError) throw new ValidationError([err.message]);
    throw err;
  }
}

// "Audit Service Account Credentials…": the Audit report webview (webview/audit/auditPanel.ts) for a context, from a
// context node of our tree (all namespaces), a namespace node (that namespace), or the palette (asks which context).
import { AuditPanel } from '../webview/audit/auditPanel';
import type { CommandDeps } from './deps';
import { pickContext, targetOf } from './support/targets';

export async function auditCredentials(deps: CommandDeps, node?: unknown): Promise<AuditPanel | undefined> {
  const target = await targetOf(deps, node);
  const context = await pickContext(deps, target);
  if (!context) return undefined;
  deps.logger.info(`Audit: opening for ${context}${target.namespace ? `/${target.namespace}` : ' (all namespaces)'}`);
  return AuditPanel.show(deps, context, target.namespace);
}

// "Create Service Account Kubeconfig…" as the webview wizard, prefilled from where it was opened
// (our tree, Microsoft's Kubernetes tree, or nothing from the palette).
import { WizardPanel } from '../webview/host/wizardPanel';
import type { Prefill } from '../webview/protocol';
import type { CommandDeps } from './deps';
import { targetOf } from './support/targets';

export function openWizard(deps: CommandDeps, prefill: Prefill = {}): WizardPanel {
  const clean: Prefill = {};
  if (prefill.context) clean.context = prefill.context;
  if (prefill.namespace) clean.namespace = prefill.namespace;
  if (prefill.serviceAccount) clean.serviceAccount = prefill.serviceAccount;
  const target = [clean.context, clean.namespace, clean.serviceAccount].filter(Boolean).join('/');
  deps.logger.info(`Wizard: opening${clean.context ? ` for ${target}` : ''}`);
  return WizardPanel.show(deps, clean);
}

/**
 * The command form: whatever it was invoked on (a tree node, a Kubernetes-extension target,
 * nothing) becomes the prefill.
 */
export async function openWizardCommand(deps: CommandDeps, node?: unknown): Promise<WizardPanel> {
  const target = await targetOf(deps, node);
  return openWizard(deps, {
    context: target.context,
    namespace: target.namespace,
    serviceAccount: target.serviceAccount,
  });
}

import type { CommandDeps } from './support/deps';
import { quickCreate } from './quickCreate';

/**
 * "Create Service Account Kubeconfig…": the wizard, prefilled from the clicked node. Until the wizard's
 * openWizard lands, the QuickInput flow does the job.
 */
export async function createKubeconfig(deps: CommandDeps, node?: unknown): Promise<unknown> {
  return quickCreate(deps, node);
}

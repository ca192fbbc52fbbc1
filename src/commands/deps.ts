// What every command gets: the services made once at activation plus the views and editor parts commands drive.
// Tests reach the same object through the extension's exports and may swap `prompts` to answer the UI; the wizard
// host holds this same object (as its narrower WizardDeps), so a swap reaches its Save as / Merge too.
import type { KubeconfigDocuments } from '../editor/kubeconfigDocuments';
import type { Prompts } from '../editor/prompts';
import type { KubernetesToolsIntegration } from '../integrations/kubernetesTools';
import type { Services } from '../services/services';
import type { ClusterTreeModel } from '../tree/model';

export interface CommandDeps extends Services {
  tree: ClusterTreeModel;
  documents: KubeconfigDocuments;
  prompts: Prompts;
  /** Resolves targets from Microsoft's Kubernetes tree (nothing when that extension is absent). */
  kubernetesTools: KubernetesToolsIntegration;
}

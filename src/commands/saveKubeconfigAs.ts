import { saveKubeconfigDocument } from '../editor/kubeconfigFiles';
import type { CommandDeps } from './deps';
import { kubeconfigDocumentOf } from './support/documents';

/** Save as… on a generated kubeconfig (CodeLens, editor title, or the active editor): 0600, warns about git. */
export async function saveKubeconfigAs(deps: CommandDeps, arg?: unknown): Promise<string | undefined> {
  return saveKubeconfigDocument(deps, kubeconfigDocumentOf(deps, arg).doc);
}

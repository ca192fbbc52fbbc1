import type { MergeFileResult } from '../core/kubeconfig/merge';
import { mergeKubeconfigDocument } from '../editor/kubeconfigFiles';
import type { CommandDeps } from './deps';
import { kubeconfigDocumentOf } from './support/documents';

/** Merge on a generated kubeconfig into the user's kubeconfig (or targetFile): asks first, backs up, 0600. */
export async function mergeKubeconfig(
  deps: CommandDeps,
  arg?: unknown,
  targetFile?: string,
): Promise<MergeFileResult | undefined> {
  const result = await mergeKubeconfigDocument(deps, kubeconfigDocumentOf(deps, arg).doc, targetFile);
  if (result) deps.tree.refresh();
  return result;
}

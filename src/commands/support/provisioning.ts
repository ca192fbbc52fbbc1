// Runs a ProvisionRequest through core's provision (plan → preflight → apply → token → kubeconfig → verify) with
// progress and cancellation, then opens the kubeconfig in a read-only in-memory tab.
import type * as vscode from 'vscode';

import { SaKubeconfigError } from '../../core/errors';
import { describeRef } from '../../core/objects';
import { provision, type ProvisionProgress, type ProvisionResult } from '../../core/provision';
import type { ProvisionRequest } from '../../core/types';
import { expectationsFromPlan } from '../../core/verify/verify';
import type { CommandDeps } from '../deps';
import { rememberToken, suggestedFileName } from './issue';
import { withCancellableProgress } from './progress';

export interface ProvisionOutcome {
  request: ProvisionRequest;
  result: ProvisionResult;
  /** The read-only tab the kubeconfig opened in. */
  documentUri?: vscode.Uri;
}

const STEP_WORDS: Record<ProvisionProgress['step'], string> = {
  connect: 'connecting',
  plan: 'planning',
  preflight: 'checking permissions (dry run)',
  apply: 'creating objects',
  token: 'issuing the token',
  kubeconfig: 'building the kubeconfig',
  verify: 'verifying the kubeconfig with its own token',
};

/** Provisions with progress and cancellation, then opens the kubeconfig and refreshes the tree. */
export async function provisionAndOpen(deps: CommandDeps, request: ProvisionRequest): Promise<ProvisionOutcome> {
  const result = await withCancellableProgress(
    `Creating ${request.namespace}/${request.serviceAccount}`,
    async (signal, say) => {
      const connection = await deps.connections.get(request.context);
      return provision(request, {
        connection,
        signal,
        logger: deps.logger,
        onProgress: (p) => {
          if (p.state === 'start') say(STEP_WORDS[p.step]);
        },
      });
    },
  );
  if (!result.kubeconfigYaml) throw new SaKubeconfigError('server', 'Provisioning returned no kubeconfig.');
  const created =
    result.applyResult?.created.map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`) ?? [];
  deps.logger.info(
    `Provisioned ${request.namespace}/${request.serviceAccount} in ${request.context} ` +
      `(${result.requests} requests, ${result.durationMs} ms): ` +
      `created ${created.join(', ') || 'nothing (all existed)'}`,
  );
  if (result.token) await rememberToken(deps, request, result.token);
  const editor = await deps.documents.open(result.kubeconfigYaml, {
    sourceContext: request.context,
    namespace: request.namespace,
    serviceAccount: request.serviceAccount,
    suggestedFileName: suggestedFileName(request.context, request.serviceAccount),
    expectations: expectationsFromPlan(result.plan),
    ...(result.credential ? { credential: result.credential } : {}),
  });
  deps.tree.refresh(`ctx/${request.context}`);
  const problems = [...result.warnings];
  const removed = result.applyResult?.removed.map(describeRef) ?? [];
  if (removed.length > 0) problems.unshift(`Removed earlier grants this request no longer has: ${removed.join(', ')}.`);
  if (result.verification && !result.verification.ok)
    problems.push('Verification found problems: run Test connection for the report.');
  if (result.verificationError) problems.push(`Verification could not run: ${result.verificationError.message}`);
  if (problems.length > 0) void deps.prompts.warn(problems.join(' '));
  return { request, result, documentUri: editor.document.uri };
}

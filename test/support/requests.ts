// The tutorial's ProvisionRequest, one builder for the tests that need it (vscode-free, no cluster): namespace
// myexample (created), service account myexample-sa, pods get/watch/list/create and pods/exec create, a 24 h token.
import type { ProvisionRequest } from '../../src/core/types';

/** A fresh copy every call, so that a test may change it; `overrides` replace whole fields. */
export function tutorialRequest(overrides: Partial<ProvisionRequest> = {}): ProvisionRequest {
  return {
    context: 'kind-local',
    namespace: 'myexample',
    createNamespace: true,
    serviceAccount: 'myexample-sa',
    rules: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list', 'create'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
    ],
    roleRefs: [],
    scope: { kind: 'namespaces', namespaces: ['myexample'] },
    token: { kind: 'timeBound', durationSeconds: 86400 },
    kubeconfig: {},
    ...overrides,
  };
}

// The wizard page's state: what the form holds, what the host sent, which step is shown. Pure data and pure
// helpers only (no DOM, no VS Code api), so the reducer and its unit tests run in Node as well as in the page.

import type { DiscoveredResource, ProvisionRequest } from '../../core/types';
import { emptyForm, formToRequest, type WizardForm } from '../formToRequest';
import type {
  ContextInfo,
  DiscoveryStats,
  ErrorInfo,
  PresetInfo,
  ProgressStep,
  ResultInfo,
  ReviewInfo,
  ServiceAccountDetailsInfo,
  ServiceAccountInfo,
  StepId,
  TargetRights,
} from '../protocol';

export interface RunState {
  runId: number;
  steps: ProgressStep[];
  status: 'running' | 'cancelling' | 'done' | 'failed';
  error?: ErrorInfo;
  rolledBack?: string[];
  cancelled?: boolean;
}

export interface PageState {
  v: 1;
  step: StepId;
  /** The furthest form step reached (the step list lets the user jump back to any of them). */
  reached: number;
  form: WizardForm;
  /** Fields the user has edited or tried to leave; errors show only for these. */
  touched: string[];
  contexts: ContextInfo[];
  presets: PresetInfo[];
  tokenCaps: Record<string, number>;
  kubeconfigError?: ErrorInfo;
  /** The kubeconfig file(s) the host read (the empty state names them). */
  kubeconfigPaths?: string[];
  prefillPending?: { namespace?: string; serviceAccount?: string };
  contextData?: {
    context: string;
    server: string;
    defaultNamespace: string;
    namespaces: string[];
    namespacesSource: string;
  };
  contextLoading: boolean;
  contextError?: ErrorInfo;
  discovery?: { context: string; resources: DiscoveredResource[]; stats: DiscoveryStats };
  discoveryError?: ErrorInfo;
  accounts?: {
    context: string;
    namespace: string;
    list: ServiceAccountInfo[];
    namespaceExists?: boolean;
    /** The user may not list service accounts there: the list says nothing. */
    forbidden?: boolean;
  };
  /** What the user may do in the target namespace (token kinds, suggestions), from the host's access reviews. */
  rights?: { context: string; namespace: string; rights: TargetRights };
  accountsError?: ErrorInfo;
  saDetails?: { context: string; namespace: string; name: string; details: ServiceAccountDetailsInfo };
  search: string;
  openGroups: string[];
  openResources: string[];
  review?: ReviewInfo;
  reviewId: number;
  reviewLoading: boolean;
  reviewedRequest?: string;
  run?: RunState;
  result?: ResultInfo;
  notice?: { message: string; level: 'info' | 'error' };
  initialized: boolean;
}

export function initialState(): PageState {
  return {
    v: 1,
    step: 'target',
    reached: 0,
    form: emptyForm(),
    touched: [],
    contexts: [],
    presets: [],
    tokenCaps: {},
    contextLoading: false,
    search: '',
    openGroups: [''],
    openResources: [],
    reviewId: 0,
    reviewLoading: false,
    initialized: false,
  };
}

/** The state an earlier page saved (webview getState), or a fresh one when there is none of this version. */
export function restoreState(saved: unknown): PageState {
  const s = saved as Partial<PageState> | undefined;
  if (!s || s.v !== 1) return initialState();
  return { ...initialState(), ...s, form: { ...emptyForm(), ...s.form } };
}

/** true/false when the namespace list is authoritative; undefined when we cannot tell (listing was not allowed). */
export function namespaceMissing(namespace: string, namespaces: string[], source: string): boolean | undefined {
  if (source === 'context') return undefined;
  return namespace !== '' && !namespaces.includes(namespace);
}

export function currentRequest(state: PageState): { request: ProvisionRequest; problems: string[] } {
  return formToRequest(state.form);
}

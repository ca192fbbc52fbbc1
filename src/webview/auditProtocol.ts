// Every message between the Audit report webview and its host (a discriminated union each way), imported by both.
// The host validates every message the page sends (parseAuditPageMessage); the page gets the report as a plain view
// (AuditView, made by the host's auditView.ts) so that it imports nothing from core but these types. No credential
// ever crosses: the view holds names, dates and grades only.

export type Grade = 'critical' | 'high' | 'medium' | 'low' | 'none';
export type RemedyKind = 'migrate' | 'revoke' | 'shrink';

export interface ViewRemedy {
  kind: RemedyKind;
  text: string;
  /** The CLI command that does the same. */
  command: string;
  secretName?: string;
}

export interface ViewFinding {
  kind: string;
  severity: Grade;
  text: string;
  remedies: ViewRemedy[];
}

export interface ViewAccount {
  namespace: string;
  name: string;
  grade: Grade;
  reasons: string[];
  /** Pods using it; undefined when unknown. */
  pods?: number;
  /** One line per credential: kind, Secret, last use, expiry. */
  credentials: string[];
  /** One line per binding: role, where, how. */
  bindings: string[];
  findings: ViewFinding[];
}

export interface AuditView {
  context: string;
  scope: string;
  generatedAt: string;
  trackingSince?: string;
  summary: string;
  accounts: ViewAccount[];
  notes: string[];
}

/** What the page asks the host to do. */
export type AuditPageMessage =
  | { type: 'ready' }
  | { type: 'refresh'; allNamespaces: boolean; namespace?: string }
  | { type: 'remedy'; remedy: RemedyKind; namespace: string; serviceAccount: string; secretName?: string }
  | { type: 'saveReport' };

/** What the host tells the page. */
export type AuditHostMessage =
  | {
      type: 'state';
      context: string;
      /** The namespace shown when not all namespaces. */
      namespace: string;
      allNamespaces: boolean;
      loading: boolean;
      view?: AuditView;
      error?: string;
    }
  | { type: 'busy'; text?: string }
  | { type: 'outcome'; text: string; ok: boolean };

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The page's message, checked; undefined for anything malformed (it is then ignored). Pure. */
export function parseAuditPageMessage(raw: unknown): AuditPageMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'saveReport':
      return { type: m.type };
    case 'refresh':
      if (typeof m.allNamespaces !== 'boolean') return undefined;
      if (m.namespace !== undefined && (typeof m.namespace !== 'string' || !NAME.test(m.namespace))) return undefined;
      return {
        type: 'refresh',
        allNamespaces: m.allNamespaces,
        ...(typeof m.namespace === 'string' ? { namespace: m.namespace } : {}),
      };
    case 'remedy': {
      if (m.remedy !== 'migrate' && m.remedy !== 'revoke' && m.remedy !== 'shrink') return undefined;
      if (typeof m.namespace !== 'string' || !NAME.test(m.namespace)) return undefined;
      if (typeof m.serviceAccount !== 'string' || !NAME.test(m.serviceAccount)) return undefined;
      if (m.secretName !== undefined && (typeof m.secretName !== 'string' || !NAME.test(m.secretName)))
        return undefined;
      if (m.remedy !== 'shrink' && m.secretName === undefined) return undefined;
      return {
        type: 'remedy',
        remedy: m.remedy,
        namespace: m.namespace,
        serviceAccount: m.serviceAccount,
        ...(typeof m.secretName === 'string' ? { secretName: m.secretName } : {}),
      };
    }
    default:
      return undefined;
  }
}

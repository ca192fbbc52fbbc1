// What a failed command tells the user: ONE sentence in the notification (what happened + what to do), the full
// readable explanation behind "Show Details" (bullet lists kept, the server's raw answer there and not in the toast),
// and whether "Retry" can help (network, timeouts, 5xx, 429, conflicts; not 403 or invalid input). Pure: no vscode.
import { isSaKubeconfigError, ValidationError, type ErrorCode } from '../../core/errors';
import { redact } from '../../core/redact';

export interface ErrorNotice {
  /** The notification text: one or two short sentences. */
  summary: string;
  /** Markdown for "Show Details". */
  details: string;
  retryable: boolean;
}

const MAX_SENTENCE = 160;

/** What happened, per code, when the message itself is too long or carries the server's raw words. */
const HEADLINES: Record<ErrorCode, string> = {
  unreachable: "Cannot reach the cluster's API server.",
  tls: "The API server's certificate could not be verified.",
  unauthorized: 'The cluster rejected the credentials of this context.',
  forbidden: 'The cluster refused: you lack a permission this needs.',
  notFound: 'Something this needs does not exist in the cluster.',
  conflict: 'An object changed while this ran.',
  invalid: 'The cluster rejected a value as invalid.',
  kubeconfig: 'Your kubeconfig could not be used.',
  invalidInput: 'The input has a problem.',
  escalation: 'You cannot grant everything this asks for.',
  unmanagedConflict: 'Objects of the same name exist that sa-kubeconfig did not make.',
  timeout: 'Waited too long for the cluster.',
  aborted: 'Cancelled.',
  server: 'The API server reported an error.',
};

/** The first sentence of a text, or undefined when it is long or not one sentence of ours. */
function firstSentence(text: string): string | undefined {
  const line = text.split('\n')[0].trim();
  const end = line.search(/[.!?](\s|$)/);
  const sentence = end < 0 ? line : line.slice(0, end + 1);
  if (!sentence || sentence.length > MAX_SENTENCE) return undefined;
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

export function isRetryable(err: unknown): boolean {
  if (!isSaKubeconfigError(err)) return false;
  if (err.status === 429 || (err.status !== undefined && err.status >= 500)) return true;
  return ['unreachable', 'server', 'timeout', 'conflict'].includes(err.code);
}

/** The notice for an error thrown by the command titled `what` (e.g. "Quick Create"). */
export function errorNotice(what: string, err: unknown): ErrorNotice {
  const message = redact(err instanceof Error ? err.message : String(err));
  const hint = isSaKubeconfigError(err) ? err.hint : '';
  let happened: string;
  if (err instanceof ValidationError) {
    happened =
      err.problems.length === 1
        ? (firstSentence(err.problems[0]) ?? HEADLINES.invalidInput)
        : `The input has ${err.problems.length} problems.`;
  } else if (isSaKubeconfigError(err)) {
    // An HTTP answer's message quotes the server: the per-code sentence goes in the toast, the quote in the details.
    happened = (err.status === undefined ? firstSentence(message) : undefined) ?? HEADLINES[err.code];
  } else {
    happened = firstSentence(message) ?? `${what} failed.`;
  }
  const todo = hint ? firstSentence(hint) : undefined;
  const bare = (t: string) => t.trim().replace(/\.$/, '');
  const complete = bare(happened) === bare(message);
  const summary = [happened, todo ?? (complete ? '' : 'Show Details says more.')].filter(Boolean).join(' ');

  const lines = [`# ${what} failed`, '', '## What happened', '', ...readable(message), ''];
  if (hint) lines.push('## What to do', '', ...readable(hint), '');
  if (isSaKubeconfigError(err)) {
    const facts = [`error code \`${err.code}\``, ...(err.status ? [`HTTP status ${err.status}`] : [])];
    lines.push(`_${facts.join(', ')}. The log (SA Kubeconfig: Show Log) has the full trace._`);
  } else {
    lines.push('_The log (SA Kubeconfig: Show Log) has the full trace._');
  }
  return { summary, details: lines.join('\n') + '\n', retryable: isRetryable(err) };
}

/** A message as Markdown lines: "- " bullets stay bullets, other lines are paragraphs, nothing is flattened. */
function readable(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .flatMap((l) => (/^\s*[-*•] /.test(l) ? [l.replace(/^\s*[•*] /, '- ')] : l ? [l, ''] : []));
}

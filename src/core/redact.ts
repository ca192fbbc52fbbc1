// Removes credentials from text before it reaches a log, an error message or the terminal.

/** kubeconfig / Secret fields whose values are secrets or key material, as a regex alternation. */
const SECRET_FIELDS = /token|client-key-data|client-certificate-data|certificate-authority-data|password|ca\.crt/
  .source;

const PATTERNS: [RegExp, string][] = [
  // Authorization headers and bearer tokens.
  [/(bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, '$1<redacted>'],
  // JWTs (service account tokens) wherever they appear.
  [/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '<redacted-jwt>'],
  // kubeconfig / Secret fields that carry secrets or key material (not a subresource in rule syntax:
  // `serviceaccounts/token:create`).
  [new RegExp(`((?<!\\/)(?:${SECRET_FIELDS})["']?\\s*[:=]\\s*["']?)[^\\s"',}]+`, 'gi'), '$1<redacted>'],
  // PEM blocks.
  [/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, '<redacted-pem>'],
];

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Keys whose string values are credentials, whatever they look like. */
const SECRET_KEYS = new Set([
  'token',
  'client-key-data',
  'client-certificate-data',
  'certificate-authority-data',
  'password',
  'ca.crt',
  'access-token',
  'id-token',
  'refresh-token',
  'client-secret',
  'authorization',
]);

/**
 * Redacts a value before it is serialised (JSON/YAML reports): walks objects and arrays, replaces the string value
 * of every credential key, and runs redact() over each key and string value on its own. Never a regex over
 * serialised text, which can cut a document in half ("token": {...} is a report, not a credential).
 */
export function redactStructured(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 64) return '<too deep>';
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function' && !Array.isArray(value))
    return redactStructured(withJson.toJSON(), depth + 1);
  if (Array.isArray(value)) return value.map((v) => redactStructured(v, depth + 1));
  if (value instanceof Error) return { message: redact(value.message) };
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || typeof v === 'function') continue;
    out[redact(key)] =
      SECRET_KEYS.has(key.toLowerCase()) && typeof v === 'string' ? '<redacted>' : redactStructured(v, depth + 1);
  }
  return out;
}

// Removes credentials from text before it reaches a log, an error message or the terminal.

const PATTERNS: [RegExp, string][] = [
  // Authorization headers and bearer tokens.
  [/(bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, '$1<redacted>'],
  // JWTs (service account tokens) wherever they appear.
  [/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '<redacted-jwt>'],
  // kubeconfig / Secret fields that carry secrets or key material (not a subresource in rule syntax: `serviceaccounts/token:create`).
  [/((?<!\/)(?:token|client-key-data|client-certificate-data|certificate-authority-data|password|ca\.crt)["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, '$1<redacted>'],
  // PEM blocks.
  [/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, '<redacted-pem>'],
];

export function redact(text: string): string {
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

// redact(): every credential shape that core could put in a log line or an error message.
import * as assert from 'node:assert/strict';

import { redact } from '../../src/core/redact';

// Made-up values of the right shapes (not real credentials).
const JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bnM6c2EifQ.' +
  'c2lnbmF0dXJlLW5vdC1yZWFsLWF0LWFsbA';
const OPAQUE = 'sha256~Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0';
const KEY_B64 =
  'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2Z0lCQURBTkJna3Foa2lHOXcwQkFRRUZBQVNDQktnd2dnU2tBZ0VBQW9JQkFRQwo=';
const PEM =
  '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx4Zr0Qk9n1u2Lkq\nZm9vYmFyYmF6cXV4\n-----END RSA PRIVATE KEY-----';

describe('redact', () => {
  it('a JWT anywhere in the text', () => {
    const out = redact(`request failed for ${JWT} (401)`);
    assert.equal(out, 'request failed for <redacted-jwt> (401)');
  });

  it('an Authorization: Bearer header, also with an opaque (non-JWT) token', () => {
    assert.equal(redact(`Authorization: Bearer ${OPAQUE}`), 'Authorization: Bearer <redacted>');
    assert.equal(redact(`authorization: bearer ${JWT}`), 'authorization: bearer <redacted>');
  });

  it('client-key-data, client-certificate-data and token fields of a kubeconfig, in YAML and JSON', () => {
    const yamlText =
      `users:\n- name: u\n  user:\n    client-key-data: ${KEY_B64}\n    client-certificate-data: ` +
      `${KEY_B64}\n    token: ${OPAQUE}\n`;
    const out = redact(yamlText);
    assert.ok(!out.includes(KEY_B64) && !out.includes(OPAQUE), out);
    assert.match(out, /client-key-data: <redacted>\n/);
    assert.match(out, /token: <redacted>\n/);
    const json = redact(JSON.stringify({ user: { 'client-key-data': KEY_B64, token: OPAQUE } }));
    assert.ok(!json.includes(KEY_B64) && !json.includes(OPAQUE), json);
  });

  it("a Secret's token and ca.crt data", () => {
    const out = redact(JSON.stringify({ data: { token: Buffer.from(JWT).toString('base64'), 'ca.crt': KEY_B64 } }));
    assert.ok(!out.includes(KEY_B64) && !out.includes(Buffer.from(JWT).toString('base64').slice(0, 20)), out);
  });

  it('a PEM block (private key or certificate), whole', () => {
    const out = redact(`loaded key\n${PEM}\nthen continued`);
    assert.equal(out, 'loaded key\n<redacted-pem>\nthen continued');
  });

  it('leaves ordinary text alone', () => {
    const text = 'list secrets in namespace "team-a": Forbidden (token Secret "ci-token" was not filled)';
    assert.equal(redact(text), text);
  });

  it('leaves the token subresource in rule syntax alone, but not refresh-token or id-token fields', () => {
    const text = 'you lack permissions this request needs:\n- serviceaccounts/token:create';
    assert.equal(redact(text), text);
    assert.equal(redact(`refresh-token: ${OPAQUE}`), 'refresh-token: <redacted>');
    assert.equal(redact(`"id-token":"${OPAQUE}"`), '"id-token":"<redacted>"');
  });
});

import * as assert from 'node:assert/strict';

import { contentSecurityPolicy, makeNonce, wizardHtml } from '../../src/webview/host/html';
import { parsePageMessage, type PageMessage } from '../../src/webview/protocol';
import { tutorialRequest } from '../support/requests';

const request = tutorialRequest({
  context: 'admin',
  roleRefs: [{ kind: 'ClusterRole', name: 'view' }],
  token: { kind: 'timeBound', durationSeconds: 86400, bindToSecret: true },
  kubeconfig: { server: 'https://127.0.0.1:6443', namePrefix: 'x' },
});

function accepts(message: unknown): PageMessage {
  const parsed = parsePageMessage(message);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('; '));
  return parsed.message;
}

function refuses(message: unknown, problem: RegExp): void {
  const parsed = parsePageMessage(message);
  assert.equal(parsed.ok, false, `expected ${JSON.stringify(message)} to be refused`);
  if (!parsed.ok)
    assert.ok(
      parsed.problems.some((p) => problem.test(p)),
      `problems ${JSON.stringify(parsed.problems)} do not match ${problem}`,
    );
}

describe('wizard protocol: validation of page messages', () => {
  it('accepts every well-formed message type', () => {
    const messages: PageMessage[] = [
      { type: 'ready' },
      { type: 'loadContext', context: 'admin' },
      { type: 'refreshDiscovery', context: 'admin' },
      { type: 'loadServiceAccounts', context: 'admin', namespace: 'myexample' },
      { type: 'loadServiceAccountDetails', context: 'admin', namespace: 'myexample', name: 'sa' },
      { type: 'review', reviewId: 3, request },
      { type: 'apply', runId: 1732860000000, request },
      { type: 'cancel', runId: 1 },
      { type: 'resultAction', action: 'openKubeconfig' },
      { type: 'resultAction', action: 'copyCommand' },
      { type: 'startOver' },
    ];
    for (const m of messages) assert.deepEqual(accepts(m), m);
  });

  it('accepts the cluster scope and every token mode', () => {
    accepts({ type: 'review', reviewId: 1, request: { ...request, scope: { kind: 'cluster' } } });
    accepts({ type: 'review', reviewId: 1, request: { ...request, token: { kind: 'longLived' } } });
    accepts({
      type: 'review',
      reviewId: 1,
      request: { ...request, token: { kind: 'longLived', secretName: 'sa-token' } },
    });
    accepts({
      type: 'review',
      reviewId: 1,
      request: { ...request, token: { kind: 'existingSecret', secretName: 'sa-token-abcde' } },
    });
  });

  it('refuses non-objects, unknown types and missing types', () => {
    refuses(null, /must be an object/);
    refuses('ready', /must be an object/);
    refuses([], /must be an object/);
    refuses({}, /type must be one of/);
    refuses({ type: 'deleteEverything' }, /type must be one of/);
    refuses({ type: '__proto__' }, /type must be one of/);
    refuses({ type: 'constructor' }, /type must be one of/);
  });

  it('refuses unknown keys, so a page cannot smuggle fields through', () => {
    refuses({ type: 'ready', extra: 1 }, /extra is not expected/);
    refuses(
      {
        type: 'apply',
        runId: 1,
        request: { ...request, token: { kind: 'timeBound', durationSeconds: 600, token: 'x' } },
      },
      /token\.token is not expected/,
    );
    refuses(
      { type: 'review', reviewId: 1, request: { ...request, impersonate: 'admin' } },
      /impersonate is not expected/,
    );
  });

  it('refuses wrong types and missing fields with their path', () => {
    refuses({ type: 'loadContext' }, /message\.context is missing/);
    refuses({ type: 'loadContext', context: '' }, /message\.context must not be empty/);
    refuses({ type: 'loadContext', context: 42 }, /message\.context must be a string/);
    refuses({ type: 'cancel', runId: -1 }, /runId must be an integer/);
    refuses({ type: 'cancel', runId: 1.5 }, /runId must be an integer/);
    refuses({ type: 'resultAction', action: 'rm -rf' }, /action must be one of/);
    refuses({ type: 'review', reviewId: 1, request: { ...request, rules: 'pods:get' } }, /rules must be a list/);
    refuses(
      { type: 'review', reviewId: 1, request: { ...request, rules: [{ apiGroups: [''], resources: ['pods'] }] } },
      /rules\[0\]\.verbs is missing/,
    );
    refuses(
      { type: 'review', reviewId: 1, request: { ...request, roleRefs: [{ kind: 'Group', name: 'x' }] } },
      /roleRefs\[0\]\.kind must be one of/,
    );
    refuses(
      { type: 'review', reviewId: 1, request: { ...request, scope: { kind: 'everywhere' } } },
      /scope\.kind must be one of/,
    );
    refuses(
      { type: 'review', reviewId: 1, request: { ...request, token: { kind: 'timeBound', durationSeconds: '1h' } } },
      /durationSeconds must be an integer/,
    );
    refuses(
      { type: 'review', reviewId: 1, request: { ...request, createNamespace: 'yes' } },
      /createNamespace must be true or false/,
    );
  });

  it('refuses oversized input', () => {
    refuses({ type: 'loadContext', context: 'x'.repeat(5000) }, /longer than/);
    refuses(
      {
        type: 'review',
        reviewId: 1,
        request: { ...request, rules: Array.from({ length: 501 }, () => request.rules[0]) },
      },
      /more than 500 items/,
    );
  });

  it('refuses objects with a non-plain prototype', () => {
    class Sneaky {
      type = 'ready';
    }
    refuses(new Sneaky(), /must be an object/);
  });
});

describe('wizard HTML shell', () => {
  const nonce = makeNonce();
  const html = wizardHtml({
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/wizard.js',
    styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/wizard.css',
    nonce,
  });

  it('has a CSP that denies by default, scripts only by nonce, styles only from the webview origin', () => {
    const csp = contentSecurityPolicy('https://x', 'abc');
    assert.match(csp, /^default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc'(;|$)/);
    assert.match(csp, /style-src https:\/\/x(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.ok(
      html.includes(`http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`) ||
        html.includes(`content="default-src 'none'`),
    );
  });

  it('loads exactly one script, carrying the nonce, and no inline script', () => {
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    assert.match(scripts[0][1], new RegExp(`nonce="${nonce}"`));
    assert.match(
      scripts[0][1],
      /src="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webview\/wizard\.js"/,
    );
    assert.equal(scripts[0][2].trim(), '');
    assert.doesNotMatch(html, /<style/);
  });

  it('makes a fresh, unguessable nonce every time', () => {
    const nonces = new Set(Array.from({ length: 50 }, makeNonce));
    assert.equal(nonces.size, 50);
    for (const n of nonces) assert.match(n, /^[A-Za-z0-9_-]{20,}$/);
  });

  it('escapes URIs into attributes', () => {
    const evil = wizardHtml({ cspSource: 'x', scriptUri: 'a"><script>alert(1)</script>', styleUri: 's', nonce: 'n' });
    assert.doesNotMatch(evil, /<script>alert/);
  });
});

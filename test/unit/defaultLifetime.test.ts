// Issue 15 item 12: one default token lifetime. The wizard host passes the setting saKubeconfig.defaultTokenLifetime in
// its init message; the page starts its token step with it, once (a later init leaves the user's choice alone).
import * as assert from 'node:assert/strict';

import { DEFAULT_TOKEN_LIFETIME } from '../../src/webview/formToRequest';
import { reduce } from '../../src/webview/page/reducer';
import { initialState } from '../../src/webview/page/state';
import type { HostMessage } from '../../src/webview/protocol';

const init = (tokenLifetime?: string): HostMessage => ({
  type: 'init',
  contexts: [{ name: 'dev', cluster: 'dev', server: 'https://dev:6443', namespace: 'default', current: true }],
  presets: [],
  prefill: tokenLifetime ? { tokenLifetime } : {},
});

describe('the default token lifetime in the wizard', () => {
  it('starts from the setting the host sends', () => {
    assert.equal(reduce(initialState(), init('8h')).state.form.tokenLifetime, '8h');
  });

  it("is 24h without one, and a later init keeps the user's choice", () => {
    assert.equal(DEFAULT_TOKEN_LIFETIME, '24h');
    const first = reduce(initialState(), init()).state;
    assert.equal(first.form.tokenLifetime, '24h');
    const chosen = { ...first, form: { ...first.form, tokenLifetime: '2h' } };
    assert.equal(reduce(chosen, init('8h')).state.form.tokenLifetime, '2h');
  });
});

// Loaded first by every mocha layer (test/.mocharc.*.json "require"): the local credential ledger of anything a test
// runs in this process or starts from it (the CLI, core) goes to a throw-away file of this run, never to the user's
// ~/.config/sa-kubeconfig, and the discovery cache to a throw-away folder, never ~/.cache. A test that wants its own
// sets SA_KUBECONFIG_LEDGER itself; code-server gets its own HOME.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (!process.env.SA_KUBECONFIG_LEDGER) {
  process.env.SA_KUBECONFIG_LEDGER = join(mkdtempSync(join(tmpdir(), 'sak-test-ledger-')), 'ledger.json');
}
if (!process.env.SA_KUBECONFIG_DISCOVERY_CACHE) {
  process.env.SA_KUBECONFIG_DISCOVERY_CACHE = mkdtempSync(join(tmpdir(), 'sak-test-discovery-'));
}

// Writes a synthetic audit log of N MB (default 200) with test/support/auditEvents.ts's generator, to measure
// `sa-kubeconfig usage` on a large log by hand (the test suite streams 40 MB; this is the 200 MB run):
//   npm run build && node bench/audit-large.mjs /tmp/audit-200.log 200
//   /usr/bin/time -v node dist/cli.js usage -n big -s app --audit-log /tmp/audit-200.log -o json > /dev/null
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const [file = '/tmp/audit-large.log', megabytes = '200'] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'sak-bench-'));
const bundle = join(dir, 'auditEvents.cjs');
const entry = new URL('../test/support/auditEvents.ts', import.meta.url).pathname;
await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: bundle,
  logLevel: 'warning',
});
const { writeSyntheticLog } = createRequire(import.meta.url)(bundle);
const started = Date.now();
const written = await writeSyntheticLog(file, Number(megabytes));
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ file, megabytes: Number(megabytes), ...written, seconds: (Date.now() - started) / 1000 }));

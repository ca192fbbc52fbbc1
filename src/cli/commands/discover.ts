// `sa-kubeconfig discover`: the resources, subresources and verbs the cluster serves, as rules can name them.
import { discover, rbacResources } from '../../core/discovery/discovery';
import type { DiscoveredResource } from '../../core/types';
import { booleanFlag, stringFlag, type ParsedArgs } from '../args';
import { connectFromFlags, CONNECTION_FLAGS, OUTPUT_FLAG, outputFormat, VERBOSE_FLAG, type Command } from '../command';
import { EXIT, printResult, stderrLogger, table, type CliIo } from '../io';

export const discoverCommand: Command = {
  name: 'discover',
  summary: 'List the resources the cluster serves (CRDs included) with their verbs and subresources, in --rule syntax.',
  usage: 'sa-kubeconfig discover [--group GROUP] [--legacy] [flags]',
  flags: [
    ...CONNECTION_FLAGS,
    {
      name: 'group',
      short: 'g',
      type: 'string',
      value: 'GROUP',
      description: 'Only this API group ("core" or "" for the core group).',
    },
    {
      name: 'legacy',
      type: 'boolean',
      description: 'Use legacy discovery (one request per group version) even where aggregated discovery is served.',
    },
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  run: runDiscover,
};

/** The name a rule uses for a resource: pods, deployments.apps. */
function ruleName(r: DiscoveredResource, sub?: string): string {
  const base = r.group ? `${r.resource}.${r.group}` : r.resource;
  return sub ? `${base}/${sub}` : base;
}

async function runDiscover({ flags }: ParsedArgs, io: CliIo): Promise<number> {
  const logger = stderrLogger(io, booleanFlag(flags, 'verbose'));
  const conn = await connectFromFlags(flags, logger, io);
  try {
    const result = await discover(conn, { logger, signal: io.signal, legacy: booleanFlag(flags, 'legacy') });
    const group = stringFlag(flags, 'group');
    const wanted = group === undefined ? undefined : group === 'core' ? '' : group;
    const resources = rbacResources(result.resources).filter((r) => wanted === undefined || r.group === wanted);
    const data = {
      mode: result.mode,
      requests: result.requests,
      failedGroupVersions: result.failedGroupVersions,
      resources,
    };
    printResult(io, outputFormat(flags), data, () => {
      const rows = [['RESOURCE', 'SCOPE', 'VERBS']];
      for (const r of resources) {
        rows.push([ruleName(r), r.namespaced ? 'namespaced' : 'cluster', r.verbs.join(',')]);
        for (const s of r.subresources)
          rows.push([ruleName(r, s.name), r.namespaced ? 'namespaced' : 'cluster', s.verbs.join(',')]);
      }
      const failed =
        result.failedGroupVersions.length > 0
          ? `\nUnavailable group versions: ${result.failedGroupVersions.join(', ')}`
          : '';
      return (
        `${table(rows)}\n${resources.length} resources (${result.mode} discovery, ` +
        `${result.requests} requests).${failed}`
      );
    });
    return EXIT.ok;
  } finally {
    conn.close();
  }
}

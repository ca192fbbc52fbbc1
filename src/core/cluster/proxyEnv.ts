// HTTPS_PROXY / HTTP_PROXY / NO_PROXY as kubectl reads them (Go's golang.org/x/net/http/httpproxy), for our own
// connections when the kubeconfig names no proxy-url. @kubernetes/client-node 1.4.0 only honours proxy-url.
// Rules kept from Go: the upper-case variable wins over the lower-case one; a proxy without a scheme is http://;
// localhost and loopback addresses never go through a proxy; NO_PROXY entries are "*", host names (matching the
// name and its subdomains; a leading "." or "*." matches subdomains only), IP addresses and CIDR ranges, each
// optionally with a port. Pure.
import * as net from 'node:net';

function getEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name.toUpperCase()] || env[name.toLowerCase()];
  return value ? value.trim() : undefined;
}

function parseProxy(value: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  try {
    const url = new URL(withScheme);
    // SOCKS proxies work through a kubeconfig's proxy-url (client-node); from the environment only http(s) ones.
    return ['http:', 'https:'].includes(url.protocol) ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

function ipInCidr(ip: string, cidr: string): boolean {
  const [range, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const family = net.isIP(range);
  if (family === 0 || net.isIP(ip) !== family || !Number.isInteger(bits)) return false;
  const list = new net.BlockList();
  list.addSubnet(range, bits, family === 4 ? 'ipv4' : 'ipv6');
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) return host === '::1' || /^0*:0*:0*:0*:0*:0*:0*:0*1$/.test(host);
  return false;
}

/** Whether NO_PROXY (and the loopback rule) sends `host:port` directly. */
export function bypassesProxy(host: string, port: string, noProxy: string | undefined): boolean {
  const name = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (isLoopback(name)) return true;
  if (!noProxy) return false;
  for (const raw of noProxy.split(',')) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      if (net.isIP(name) && ipInCidr(name, entry)) return true;
      continue;
    }
    let entryPort: string | undefined;
    const m = /^(.*):(\d+)$/.exec(entry);
    if (m && !net.isIPv6(entry)) [entry, entryPort] = [m[1], m[2]];
    entry = entry.replace(/^\[|\]$/g, '');
    if (entryPort && entryPort !== port) continue;
    if (net.isIP(entry)) {
      if (entry === name) return true;
      continue;
    }
    if (entry.startsWith('*.')) entry = entry.slice(1);
    if (entry.startsWith('.')) {
      if (name.endsWith(entry)) return true;
    } else if (name === entry || name.endsWith(`.${entry}`)) {
      return true;
    }
  }
  return false;
}

/** The proxy URL kubectl would use for `server`, or undefined for a direct connection. */
export function proxyFromEnvironment(server: string, env: NodeJS.ProcessEnv): string | undefined {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return undefined;
  }
  const https = url.protocol === 'https:';
  const proxy = getEnv(env, https ? 'HTTPS_PROXY' : 'HTTP_PROXY');
  if (!proxy) return undefined;
  const port = url.port || (https ? '443' : '80');
  if (bypassesProxy(url.hostname, port, getEnv(env, 'NO_PROXY'))) return undefined;
  return parseProxy(proxy);
}

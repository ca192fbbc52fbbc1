// A latency relay for the benchmark: a TCP relay on 127.0.0.1 that holds every chunk RTT/2 ms in each direction
// before passing it on, in order, so a local cluster looks like a far-away one (80 ms RTT: a cloud region away).
// It never reads or changes the bytes (TLS goes end to end; the API server's certificate names 127.0.0.1).
//   node bench/relay.mjs --target 127.0.0.1:6443 --rtt 80   prints "127.0.0.1:PORT" when listening; runs until killed
// or, from a script: import { startRelay } from './relay.mjs'.
import net from 'node:net';
import { setTimeout } from 'node:timers';

/**
 * Passes `from`'s chunks to `to` after `delayMs`, in order: one queue per direction drained by one timer (a timer
 * per chunk is not enough: Node fires timers of different durations that expire in the same millisecond in no
 * guaranteed order, which reorders TLS records and breaks the connection).
 */
function delayedPipe(from, to, delayMs) {
  const queue = [];
  let timer;
  const pump = () => {
    timer = undefined;
    const now = Date.now();
    while (queue.length > 0 && queue[0].due <= now) {
      const { chunk } = queue.shift();
      if (chunk === undefined) to.end();
      else if (!to.destroyed) to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(pump, queue[0].due - now);
  };
  const push = (chunk) => {
    queue.push({ chunk, due: Date.now() + delayMs });
    timer ??= setTimeout(pump, delayMs);
  };
  from.on('data', (chunk) => push(chunk));
  from.on('end', () => push(undefined));
  from.on('error', () => to.destroy());
}

/** Starts a relay to host:port with the given round-trip time; resolves to { port, close() }. */
export function startRelay({ host, port, rttMs }) {
  const oneWay = rttMs / 2;
  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const upstream = net.connect({ host, port }, () => upstream.setNoDelay(true));
    delayedPipe(client, upstream, oneWay);
    delayedPipe(upstream, client, oneWay);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: server.address().port, close: () => new Promise((done) => server.close(() => done())) }),
    );
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i === -1 ? fallback : process.argv[i + 1];
  };
  const target = arg('target');
  if (!target) {
    console.error('usage: node bench/relay.mjs --target HOST:PORT [--rtt MS]');
    process.exit(2);
  }
  const i = target.lastIndexOf(':');
  const relay = await startRelay({
    host: target.slice(0, i),
    port: Number(target.slice(i + 1)),
    rttMs: Number(arg('rtt', '80')),
  });
  console.log(`127.0.0.1:${relay.port}`);
}

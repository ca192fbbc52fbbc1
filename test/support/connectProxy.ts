// A small HTTP CONNECT proxy on 127.0.0.1, as a corporate proxy would be: it tunnels every CONNECT to
// 127.0.0.1 at the requested port (whatever host was asked for, so that tests can use names that do not
// resolve: only a client that really goes through the proxy reaches the server). TLS passes through untouched.
import * as http from 'node:http';
import * as net from 'node:net';

export class ConnectProxy {
  /** host:port of every CONNECT seen, in order. */
  readonly tunnels: string[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(): Promise<ConnectProxy> {
    const server = http.createServer((_req, res) => {
      res.writeHead(405);
      res.end('CONNECT only\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new ConnectProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) =>
      proxy.tunnel(req, client, head),
    );
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private tunnel(req: http.IncomingMessage, client: net.Socket, head: Buffer): void {
    const target = req.url ?? '';
    this.tunnels.push(target);
    const port = Number(/:(\d+)$/.exec(target)?.[1] ?? 443);
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => this.sockets.delete(s));
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

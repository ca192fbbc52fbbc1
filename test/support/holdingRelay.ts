// A TCP relay in front of the real API server whose answers can be held back: the request reaches the server and is
// acted on, while its answer waits in the relay. That is the moment a cancel must not lose track of an object (the
// server made it; the client has not heard). TLS passes through untouched, so the client still verifies the real
// server's certificate and the server sees the real credentials: nothing about the API server is imitated.
import { readFileSync } from 'node:fs';
import * as net from 'node:net';

export class HoldingRelay {
  private holding = false;
  private held: (() => void)[] = [];
  private readonly sockets = new Set<net.Socket>();
  /** When each client connection arrived (performance.now() ms): tests count connections and order them. */
  readonly connectedAt: number[] = [];
  /** Called once per hold, when the first answer arrives while holding. */
  onHeldAnswer?: () => void;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Starts a relay on 127.0.0.1 to `upstream` (https://host:port). */
  static async start(upstream: string): Promise<HoldingRelay> {
    const target = new URL(upstream);
    const relays: HoldingRelay[] = [];
    const server = net.createServer((client) => relays[0].connect(client, target.hostname, Number(target.port || 443)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    relays.push(new HoldingRelay(server, (server.address() as net.AddressInfo).port));
    return relays[0];
  }

  /** From now on, answers from the server wait until release(). */
  hold(): void {
    this.holding = true;
  }

  /** Passes every held answer on, in the order it came, and stops holding. */
  release(): void {
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const pass of held) pass();
  }

  /** A copy of `kubeconfigText` whose server is this relay. */
  kubeconfig(file: string, upstream: string): string {
    return readFileSync(file, 'utf8').split(upstream).join(`https://127.0.0.1:${this.port}`);
  }

  async close(): Promise<void> {
    this.release();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connect(client: net.Socket, host: string, port: number): void {
    this.connectedAt.push(performance.now());
    const upstream = net.connect(port, host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const ignore = () => undefined;
    client.on('error', ignore);
    upstream.on('error', ignore);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (!this.holding) {
        client.write(d);
        return;
      }
      const first = this.held.length === 0;
      this.held.push(() => {
        if (!client.destroyed) client.write(d);
      });
      if (first) this.onHeldAnswer?.();
    });
    client.on('close', () => {
      upstream.destroy();
      this.sockets.delete(client);
    });
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      if (this.holding) this.held.push(() => client.destroy());
      else client.destroy();
    });
  }
}

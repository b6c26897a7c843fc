import http from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * An HTTP server on 127.0.0.1 that a test can take away (an outage) and
 * bring back on the same port, as a state store's remote goes down and up.
 */
export abstract class PausableHttpServer {
  private server?: http.Server;
  protected port = 0;

  protected abstract handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): void;

  /** Closes the port and every open connection: clients see an outage. */
  async pause() {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>(resolve => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Listens again, on the same port once it had one. */
  async resume() {
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }
}

/** Starts a test HTTP server on 127.0.0.1:0 and closes it with its open keep-alive connections. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Loopback {
  port: number;
  /** Closes every open connection, then the server. */
  close: () => Promise<void>;
}

export async function listenLoopback(server: Server): Promise<Loopback> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

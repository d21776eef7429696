/** Starts a test HTTP server on 127.0.0.1:0 and closes it with its open keep-alive sockets. */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Loopback {
  port: number;
  /** Destroys every open connection, then closes the server. */
  close: () => Promise<void>;
}

export async function listenLoopback(server: Server): Promise<Loopback> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

/** A TCP port free right now on 127.0.0.1 (the NestJS gRPC transport cannot report a port it picked itself). */
import * as net from 'node:net';

/** Asks the OS for a free port, releases it and returns it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

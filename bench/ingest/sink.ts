import http from 'node:http';
import { runLoad, type LoadShape } from './load.ts';
import type { FirstSeenReceiver } from './receiver.ts';

/**
 * Warms the benchmark's own code (the load generator and the receiver) before the first server is
 * measured. Without it the first server measured in a process ran against a colder benchmark: at a
 * steady 1,000 alerts/s, vigil's first-page p99 was 232 ms when it ran first in the process and
 * 172–177 ms in later rounds (docs/performance.md, session 25).
 *
 * A sink on loopback takes the load as a server would, answers 200 at once, and posts each batch's
 * alerts to the receiver as one webhook, so that both the sending and the receiving paths run.
 */
export async function warmBenchmark(
  receiver: FirstSeenReceiver,
  shape: Pick<LoadShape, 'batch' | 'connections' | 'groups'>,
  total = 20_000,
): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: shape.connections });
  const notify = (body: string): Promise<void> =>
    new Promise((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: receiver.port,
          path: '/',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => res.resume().on('end', () => resolve()),
      );
      req.on('error', () => resolve());
      req.end(body);
    });
  const sink = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200).end('{}');
      const text = Buffer.concat(chunks).toString('utf8');
      void notify(`{"receiver":"warm","status":"firing","alerts":${text}}`);
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const a = sink.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  try {
    await runLoad(
      `http://127.0.0.1:${port}/api/v2/alerts`,
      { total, batch: shape.batch, connections: shape.connections, groups: shape.groups, drainMs: 5000 },
      receiver,
      {},
      'bench-warm',
    );
  } finally {
    sink.closeAllConnections();
    await new Promise<void>((r) => sink.close(() => r()));
    agent.destroy();
    await receiver.reset();
  }
}

/** A real HTTP webhook on 127.0.0.1 for push tests: records every POST; can fail the first N calls or never answer. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hit {
  deliveryId: string;
  attempt: number;
  headers: IncomingHttpHeaders;
  body: { task?: { id: string; status?: { state?: string }; artifacts?: unknown[] } };
  answered: number;
}

export interface Receiver {
  url: string;
  hits: Hit[];
  /** Hits answered 2xx, first copy of each delivery id, in arrival order. */
  delivered(): Hit[];
  close(): Promise<void>;
}

export interface Behaviour {
  failFirst?: number;
  hang?: boolean;
  /** The status for call n (1-based), 0 for no answer; takes the place of failFirst. */
  answer?: (call: number) => number;
}

export async function startReceiver(behaviour: Behaviour = {}): Promise<Receiver> {
  const hits: Hit[] = [];
  let calls = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls++;
      const answered = behaviour.hang ? 0 : behaviour.answer ? behaviour.answer(calls) : calls <= (behaviour.failFirst ?? 0) ? 503 : 200;
      if (answered === 0) return; // never answers: the sender's timeout has to end it
      hits.push({
        deliveryId: String(req.headers['x-kamf-delivery-id'] ?? ''),
        attempt: Number(req.headers['x-kamf-delivery-attempt'] ?? 0),
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Hit['body'],
        answered,
      });
      res.writeHead(answered).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hits,
    delivered() {
      const seen = new Set<string>();
      return hits.filter((h) => h.answered === 200 && !seen.has(h.deliveryId) && (seen.add(h.deliveryId), true));
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function until(check: () => boolean, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

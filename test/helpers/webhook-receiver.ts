// A local webhook receiver for tests: records each request, answers with the status a test decides, and checks a
// delivery's Standard Webhooks signature with the standardwebhooks library.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { Test } from 'tap';

/** A new endpoint secret: `whsec_` and 32 random bytes in base64. */
export const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local receiver: `answer` decides each request's status (null: never answer). */
export async function receiver(t: Test, answer: (n: number) => number | null = () => 204) {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      const status = answer(got.length);
      if (status !== null) res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/events`, got };
}

/** The delivery `r`, its signature checked with `key` (throws when it does not verify). */
export const verified = (key: string, r: Received) =>
  new Webhook(key).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  }) as { type: string; timestamp: string; data: Record<string, unknown> };

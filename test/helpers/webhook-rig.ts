// An app with one webhook endpoint whose receiver is down until the test says it is up, and a delivery worker on a
// clock the test moves, delivering one at a time so the order of attempts is the test's to say.
import { readFileSync } from 'node:fs';
import type { Test } from 'tap';
import type { OpenedDatabase } from '../../server/db/database.js';
import { DeliveryWorker } from '../../server/webhooks/delivery-worker.js';
import type { EndpointView } from '../../server/webhooks/webhook-service.js';
import { bearer, buildTestApp, TOKENS } from './test-app.js';
import { receiver, secret } from './webhook-receiver.js';

const licence = readFileSync(new URL('../server/fixtures/warnings.bpmn', import.meta.url), 'utf8');

/**
 * The `licence` process deployed, an endpoint subscribed to case.started (`registered`) whose receiver (`rx`) answers
 * 503 until `state.up`, and a worker (retries from 1 s, `maxAttempts` each) whose clock is `state.now`.
 */
export async function downEndpoint(t: Test, opened: OpenedDatabase, maxAttempts: number) {
  const test = await buildTestApp(opened);
  const state = { now: Date.now(), up: false };
  const worker = new DeliveryWorker(opened.db, {
    nodeId: 'w1',
    retryMs: 1000,
    maxAttempts,
    concurrency: 1,
    clock: () => state.now,
  });
  t.teardown(async () => {
    await worker.stop();
    await test.close();
  });
  await test.service.definitions.deploy(licence, new Date(test.clock.now));
  const rx = await receiver(t, () => (state.up ? 204 : 503));
  const key = secret();
  const registered = await test.app.inject({
    method: 'POST',
    url: '/api/webhooks',
    headers: bearer(TOKENS.admin),
    payload: { url: rx.url, secret: key, events: ['case.started'] },
  });
  /** The endpoint as `GET /api/webhooks` shows it. */
  const endpoint = async () =>
    (
      await test.app.inject({ method: 'GET', url: '/api/webhooks', headers: bearer(TOKENS.admin) })
    ).json()[0] as EndpointView;
  return { ...test, worker, state, rx, key, registered, endpoint };
}

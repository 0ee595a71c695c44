// Shared steps of the metrics tests: deploy, import a log, read metrics, and a fingerprint of the stored rows.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Test } from 'tap';
import type { Db } from '../../server/db/database.js';
import { bearer, TOKENS } from '../helpers/test-app.js';

export const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

export async function deploy(t: Test, app: FastifyInstance, xml: string): Promise<number> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/definitions',
    headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
    payload: xml,
  });
  t.ok(res.statusCode === 201 || res.statusCode === 200, `deployed: ${res.body.slice(0, 200)}`);
  return res.json().version;
}

export function importLog(
  app: FastifyInstance,
  key: string,
  version: number,
  body: string | Buffer,
  type: string,
  /** The language of a refusal's words (Chinese unless told). */
  language: 'zh' | 'en' = 'zh',
) {
  return app.inject({
    method: 'POST',
    url: `/api/processes/${key}/versions/${version}/log`,
    headers: { ...bearer(TOKENS.admin), 'content-type': type, 'accept-language': language },
    payload: body,
  });
}

export async function metricsOf(app: FastifyInstance, key: string, version: number) {
  const res = await app.inject({
    method: 'GET',
    url: `/api/processes/${key}/versions/${version}/metrics`,
    headers: bearer(TOKENS.auditor),
  });
  if (res.statusCode !== 200) throw new Error(res.body);
  return res.json();
}

/** Everything an import writes, counted and summed: equal fingerprints mean nothing was written. */
export async function fingerprint(db: Db): Promise<string> {
  const result = await sql<Record<string, unknown>>`SELECT
      (SELECT count(*) FROM cases) AS cases, (SELECT count(*) FROM steps) AS steps,
      (SELECT coalesce(sum(completed), 0) FROM version_rollups) AS rolled, (SELECT coalesce(sum(count), 0) FROM step_rollups) AS step_rolled,
      (SELECT coalesce(sum(cases), 0) FROM case_duration_buckets) AS buckets`.execute(db);
  return JSON.stringify(result.rows[0]);
}

/**
 * The dynamic metrics an event log carries, for equality between a version and its log imported into another:
 * without `method` (which names how, not what) and the 电子监察 figures (cards are raised on engine-run cases
 * only; an imported case was never watched: engine/metrics/case-figures.ts).
 */
export const figures = (dynamic: Record<string, unknown>) => {
  const { method: _method, supervisedCases: _s, warningRate: _w, redCardRate: _r, ...rest } = dynamic;
  return rest;
};

export const near = (t: Test, actual: number | null, expected: number, what: string) =>
  t.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≈ ${expected}`);

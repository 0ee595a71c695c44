/** The metric rollup tables (migration 2026-11-29-002) as kysely sees them, added to the main schema with `withTables`. */
import type { ColumnType } from 'kysely';
import type { Db } from '../db/database.js';

/** bigint: a number (PGlite, and pg with the int8 parser of server/db/database.ts) or a string. */
type Count = ColumnType<number | string, number, number>;

export type MetricTables = {
  metric_settings: {
    id: number;
    ms_per_working_day: Count;
    bucket_ms: Count;
    bucket_cap: number;
    shards: number;
  };
  version_rollups: {
    process_key: string;
    version: number;
    shard: number;
    completed: Count;
    /** Of which imported from an event log. */
    imported: Count;
    timed: Count;
    sum_working_ms: Count;
    on_time: Count;
    first_time: Count;
    sum_trips: Count;
  };
  case_duration_buckets: {
    process_key: string;
    version: number;
    bucket: number;
    shard: number;
    cases: Count;
    sum_working_ms: Count;
  };
  step_rollups: {
    process_key: string;
    version: number;
    element_id: string;
    shard: number;
    name: string | null;
    count: Count;
    sum_working_ms: Count;
    breaches: Count;
  };
  step_duration_buckets: {
    process_key: string;
    version: number;
    element_id: string;
    bucket: number;
    shard: number;
    steps: Count;
    sum_working_ms: Count;
  };
};

/** The database with the rollup tables typed. */
export const metricsDb = (db: Db) => db.withTables<MetricTables>();

export type MetricsDb = ReturnType<typeof metricsDb>;

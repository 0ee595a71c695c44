/** What every repository function runs on: the database, or a transaction the caller opened on it. */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

export type Executor = Kysely<Database> | Transaction<Database>;

/** A row of `table` as a select returns it (types from server/db/schema.ts). */
export type RowOf<T extends keyof Database> = Selectable<Database[T]>;

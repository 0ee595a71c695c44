/**
 * The figures of electronic supervision (电子监察) of one version, in SQL: of its completed cases that ran on the
 * engine (supervised: imported cases were never watched), those that got a card on the case or on one of its
 * tasks (`isWarned` in engine/metrics/case-figures.ts) and those that got a red one (`isRedCarded`), and their
 * shares (`warningRate`, `redCardRate` in engine/metrics/figures.ts). Cards count whether cleared or not.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';

export interface WarningFigures {
  supervisedCases: number;
  warnedCases: number;
  redCardCases: number;
  warningRate: number | null;
  redCardRate: number | null;
}

/** `supervisedCases`: the version's completed cases less the imported (from its rollups). */
export async function warningFigures(
  db: Db,
  key: string,
  version: number,
  supervisedCases: number,
): Promise<WarningFigures> {
  // the version's cards through the warnings_version index, each case once, kept if the case completed on the engine
  const { rows } = await sql<{ warned: string | number; red: string | number }>`
    SELECT count(*) AS warned, count(*) FILTER (WHERE w.red) AS red
      FROM (SELECT case_id, bool_or(level = 'red') AS red FROM warnings
             WHERE process_key = ${key} AND version = ${version} GROUP BY case_id) w
      JOIN cases c ON c.id = w.case_id
     WHERE c.status = 'completed' AND NOT c.imported`.execute(db);
  const warnedCases = Number(rows[0]?.warned ?? 0);
  const redCardCases = Number(rows[0]?.red ?? 0);
  const share = (count: number) => (supervisedCases === 0 ? null : count / supervisedCases);
  return {
    supervisedCases,
    warnedCases,
    redCardCases,
    warningRate: share(warnedCases),
    redCardRate: share(redCardCases),
  };
}

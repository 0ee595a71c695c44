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

/** A department's cards in one version: of its completed steps with a time limit, those whose task got one. */
export interface DepartmentWarnings {
  department: string | null;
  stepsWithLimit: number;
  warnedSteps: number;
  redCardSteps: number;
  /** `stepWarningRate`, `stepRedCardRate` of the catalogue (engine/metrics/figures.ts). */
  stepWarningRate: number | null;
  stepRedCardRate: number | null;
}

/**
 * The version's figures by department (the report's table): its completed steps with a time limit in the
 * supervised completed cases, and how many of them got a card (any level) and a red card on their task. Reads the
 * version's steps, so it is the report's table and an answer of its own (`GET /api/processes/{key}/departments`,
 * the 对比 view's table), not part of the metrics answer that must stay cheap at millions of cases.
 */
export async function departmentWarnings(
  db: Db,
  key: string,
  version: number,
): Promise<DepartmentWarnings[]> {
  const { rows } = await sql<{
    department: string | null;
    steps: string | number;
    warned: string | number;
    red: string | number;
  }>`
    SELECT s.department, count(*) AS steps, count(w.red) AS warned, count(*) FILTER (WHERE w.red) AS red
      FROM steps s
      JOIN cases c ON c.id = s.case_id
      LEFT JOIN (SELECT subject_id, bool_or(level = 'red') AS red FROM warnings
                  WHERE process_key = ${key} AND version = ${version} AND subject = 'task'
                  GROUP BY subject_id) w ON w.subject_id = s.id
     WHERE s.process_key = ${key} AND s.version = ${version} AND s.status = 'completed'
       AND s.time_limit IS NOT NULL AND c.status = 'completed' AND NOT c.imported
     GROUP BY s.department
     ORDER BY s.department`.execute(db);
  return rows.map((r) => {
    const steps = Number(r.steps);
    const warned = Number(r.warned);
    const red = Number(r.red);
    return {
      department: r.department,
      stepsWithLimit: steps,
      warnedSteps: warned,
      redCardSteps: red,
      stepWarningRate: steps === 0 ? null : warned / steps,
      stepRedCardRate: steps === 0 ? null : red / steps,
    };
  });
}

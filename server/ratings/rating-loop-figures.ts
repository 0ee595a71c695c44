/**
 * How well the 好差评 loop works, per process version and per department: satisfaction, bad ratings, and what
 * became of each bad rating's rectification case (rectified, on time, called back, appeal upheld).
 * Read off the rectification process's steps: `rectify` (整改) and `call_back` (回访), and its `appealUpheld` variable.
 */
import type { DepartmentRatings } from '../../engine/index.js';
import type { Executor } from '../repositories/executor.js';
import { type RatingLoopRow, ratingLoopRows } from '../repositories/rating-repository.js';

/** `ratings` counts real ratings (defaulted ones are counted apart, never mixed in); `open`: rectifications under way. */
export type RatingLoopFigures = DepartmentRatings;

type Row = Omit<RatingLoopRow, 'grouping'>;

const toFigures = (r: Row): RatingLoopFigures => {
  const ratings = Number(r.ratings);
  return {
    department: r.department,
    ratings,
    satisfaction: ratings === 0 ? null : Number(r.good) / ratings,
    badRatings: Number(r.bad),
    defaulted: Number(r.defaulted),
    rectified: Number(r.rectified),
    rectifiedOnTime: Number(r.on_time),
    calledBack: Number(r.called_back),
    appealsUpheld: Number(r.upheld),
    open: Number(r.open),
  };
};

/** The loop's figures for one version, in total and per department of the rated step. */
export async function ratingLoopFigures(
  db: Executor,
  key: string,
  version: number,
  msPerWorkingDay: number,
): Promise<{ total: RatingLoopFigures; departments: RatingLoopFigures[] }> {
  const rows = await ratingLoopRows(db, key, version, msPerWorkingDay);
  const total = rows.find((r) => Number(r.grouping) === 1);
  const empty: Row = {
    department: null,
    ratings: 0,
    good: 0,
    bad: 0,
    defaulted: 0,
    rectified: 0,
    on_time: 0,
    called_back: 0,
    upheld: 0,
    open: 0,
  };
  return {
    total: toFigures(total ?? empty),
    departments: rows.filter((r) => Number(r.grouping) === 0).map(toFigures),
  };
}

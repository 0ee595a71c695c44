/**
 * The case-duration histogram of two versions, as the server computes it for the printed report too
 * (GET /api/processes/{key}/histogram): every completed case of each version, in the same bins.
 */
import { api } from '../../api/client.js';

export interface ServedHistogram {
  key: string;
  /** Bin i holds durations from i × binDays up to (i + 1) × binDays working days; the last also longer ones. */
  binDays: number;
  maxDays: number;
  before: { version: number; cases: number; counts: number[]; shares: number[] };
  after: { version: number; cases: number; counts: number[]; shares: number[] };
}

export const servedHistogram = (key: string, from: number, to: number): Promise<ServedHistogram> =>
  api<ServedHistogram>(`/api/processes/${encodeURIComponent(key)}/histogram?from=${from}&to=${to}`);

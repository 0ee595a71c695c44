/**
 * The metrics routes (README: HTTP API, 各项指标如何计算 / Figures). They belong to the metrics API; until a server has them, a 404 is told
 * to the user plainly rather than as a broken page.
 */
import { ApiError, api } from '../../api/client.js';
import type { Comparison, DepartmentComparison, VersionMetrics } from '../../api/types.js';
import { t } from '../../i18n/language.js';

export class MetricsUnavailable extends Error {}

async function metricsCall<T>(path: string): Promise<T> {
  try {
    return await api<T>(path);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && /^(no route |没有此接口)/.test(error.detail)) {
      throw new MetricsUnavailable(
        t('This server has no metrics API yet (404 for {path}): update the server', {
          path: path.split('?')[0],
        }),
      );
    }
    throw error;
  }
}

export const versionMetrics = (key: string, version: number) =>
  metricsCall<VersionMetrics>(`/api/processes/${encodeURIComponent(key)}/versions/${version}/metrics`);

export const comparison = (key: string, from: number, to: number) =>
  metricsCall<Comparison>(`/api/processes/${encodeURIComponent(key)}/compare?from=${from}&to=${to}`);

/** 电子监察 per department of two versions: the steps whose task got a card, a red card. */
export const departmentComparison = (key: string, from: number, to: number) =>
  metricsCall<DepartmentComparison>(
    `/api/processes/${encodeURIComponent(key)}/departments?from=${from}&to=${to}`,
  );

/** The deployed processes and their versions, as pickers for the dashboards. */
import { api } from '../../api/client.js';
import type { DefinitionSummary } from '../../api/types.js';
import { h, replaceChildren } from '../../dom.js';
import { t } from '../../i18n/language.js';
import type { StatusLine } from './status-line.js';

export const loadDefinitions = (): Promise<DefinitionSummary[]> =>
  api<DefinitionSummary[]>('/api/definitions');

export interface VersionPicker {
  element: HTMLElement;
  /** Reloads the process list, keeping the selection when it still exists. */
  refresh(): Promise<void>;
  process(): string;
  versions(): number[];
  /** The selected process with all its versions. */
  summary(): DefinitionSummary | undefined;
  /** Sets the selection (process and versions) without firing `onChange`. */
  select(process: string, versions: number[]): void;
  /** A view's show(): reloads (an error goes to `status`), selects what the route names, then runs `then`. */
  open(params: string[], status: StatusLine, then: () => Promise<void>): Promise<void>;
}

/**
 * A process select and `count` version selects. With two versions the first defaults to the one before the
 * latest and the second to the latest, as a before/after pair.
 */
export function createVersionPicker(options: {
  id: string;
  count: 1 | 2;
  labels?: string[];
  onChange?: () => void;
}): VersionPicker {
  let definitions: DefinitionSummary[] = [];
  const processSelect = h('select', { id: `${options.id}-process`, 'aria-label': t('Process') });
  const versionSelects = Array.from({ length: options.count }, (_, i) =>
    h('select', {
      id: `${options.id}-version${options.count === 2 ? i + 1 : ''}`,
      'aria-label': options.labels?.[i] ?? t('Version'),
    }),
  );
  const fillVersions = (keep: number[] = []) => {
    const entry = definitions.find((d) => d.key === processSelect.value);
    const versions = entry?.versions.map((v) => v.version) ?? [];
    versionSelects.forEach((select, i) => {
      replaceChildren(select, ...versions.map((v) => h('option', { value: String(v) }, `v${v}`)));
      const fallback =
        options.count === 2 && i === 0 ? (versions.at(-2) ?? versions.at(-1)) : versions.at(-1);
      const wanted = keep[i] !== undefined && versions.includes(keep[i]) ? keep[i] : fallback;
      if (wanted !== undefined) select.value = String(wanted);
    });
  };
  processSelect.addEventListener('change', () => {
    fillVersions();
    options.onChange?.();
  });
  for (const select of versionSelects) select.addEventListener('change', () => options.onChange?.());
  const element = h(
    'span',
    { class: 'reflow-picker' },
    h('label', null, t('Process'), ' ', processSelect),
    versionSelects.map((select, i) => h('label', null, options.labels?.[i] ?? t('Version'), ' ', select)),
  );
  const picker: VersionPicker = {
    element,
    async refresh() {
      const keepProcess = processSelect.value;
      const keepVersions = picker.versions();
      definitions = await loadDefinitions();
      replaceChildren(
        processSelect,
        ...definitions.map((d) => h('option', { value: d.key }, d.name ? `${d.name} (${d.key})` : d.key)),
      );
      if (definitions.some((d) => d.key === keepProcess)) processSelect.value = keepProcess;
      fillVersions(keepVersions);
    },
    process: () => processSelect.value,
    versions: () => versionSelects.map((s) => Number(s.value)).filter((v) => v > 0),
    summary: () => definitions.find((d) => d.key === processSelect.value),
    select(process, versions) {
      if (definitions.some((d) => d.key === process)) processSelect.value = process;
      fillVersions(versions);
    },
    async open(params, status, then) {
      try {
        await picker.refresh();
      } catch (error) {
        status.error(error);
        return;
      }
      if (params[0]) picker.select(params[0], params.slice(1).map(Number));
      await then();
    },
  };
  return picker;
}

/**
 * The cards of electronic supervision (电子监察) as the API shows them: the open cards (or their history) with
 * the follow-up notes (督办意见) written on them, and writing a note. Raising and clearing cards is the warning
 * scheduler's (server/scheduler/warning-scheduler.ts) and the tasks' and cases' triggers.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { Problem } from '../problems.js';
import {
  insertNote,
  listWarnings,
  type NoteRow,
  notesOf,
  type WarningFilter,
  type WarningRow,
  warningById,
} from '../repositories/warning-repository.js';
import type { RaisedCard } from './warning-decision.js';

export interface WarningNote {
  id: string;
  author: string;
  text: string;
  createdAt: string;
}

/** A card as the API shows it: as raised (warning-decision.ts), with its clearing and 督办 notes. */
export interface WarningCard extends RaisedCard {
  clearedAt: string | null;
  notes: WarningNote[];
}

const noteOf = (n: NoteRow): WarningNote => ({
  id: n.id,
  author: n.author,
  text: n.text,
  createdAt: n.created_at.toISOString(),
});

const cardOf = (w: WarningRow, notes: WarningNote[]): WarningCard => ({
  id: w.id,
  level: w.level,
  subject: w.subject,
  caseId: w.case_id,
  taskId: w.task_id,
  processKey: w.process_key,
  version: w.version,
  elementId: w.element_id,
  department: w.department,
  raisedAt: w.raised_at.toISOString(),
  dueAt: w.due_at?.toISOString() ?? null,
  usedShare: w.used_share,
  warnAt: w.warn_at,
  limitDays: w.limit_days,
  clearedAt: w.cleared_at?.toISOString() ?? null,
  notes,
});

/** Who asks: a department sees the cards of its own department only. */
export interface Viewer {
  role: string;
  department?: string | null;
  name: string;
}

export class WarningService {
  constructor(
    private readonly db: Db,
    private readonly options: { clock?: () => number; newId?: () => string } = {},
  ) {}

  /** Cards with their notes, newest first; a department's own only (another department named: 403). */
  async list(viewer: Viewer, filter: WarningFilter): Promise<WarningCard[]> {
    let department = filter.department;
    if (viewer.role === 'department') {
      if (!viewer.department)
        throw new Problem(403, 'forbidden', 'Forbidden', {
          zh: '没有所属部门的部门账号不能查看黄牌红牌',
          en: 'a department caller without a department reads no cards',
        });
      if (department !== undefined && department !== viewer.department)
        throw new Problem(403, 'forbidden', 'Forbidden', {
          zh: `“${viewer.department}”不能查看“${department}”的黄牌红牌：不填 department 即查看本部门的`,
          en: `department '${viewer.department}' may not read the cards of '${department}': leave department out to get your own`,
        });
      department = viewer.department ?? undefined;
    }
    const rows = await listWarnings(this.db, { ...filter, department });
    const notes = await notesOf(this.db, { warningIds: rows.map((r) => r.id) });
    const byCard = new Map<string, WarningNote[]>();
    for (const n of notes) byCard.set(n.warning_id, [...(byCard.get(n.warning_id) ?? []), noteOf(n)]);
    return rows.map((r) => cardOf(r, byCard.get(r.id) ?? []));
  }

  /** Writes a follow-up note (督办意见) on a card; returns the card with its notes. */
  async addNote(viewer: Viewer, warningId: string, text: string): Promise<WarningCard> {
    const trimmed = text.trim();
    if (trimmed === '')
      throw new Problem(400, 'invalid-note', 'Invalid note', {
        zh: '督办意见不能为空：请写明部门应当做什么',
        en: 'the note is empty: write what the department is to do',
      });
    const card = await warningById(this.db, warningId);
    if (!card)
      throw new Problem(404, 'not-found', 'Not Found', {
        zh: `黄牌红牌“${warningId}”不存在（GET /api/warnings 可列出全部）`,
        en: `card '${warningId}' does not exist: GET /api/warnings lists them`,
      });
    await insertNote(this.db, {
      id: (this.options.newId ?? randomUUID)(),
      warning_id: card.id,
      case_id: card.case_id,
      author: viewer.name,
      text: trimmed,
      created_at: new Date((this.options.clock ?? Date.now)()),
    });
    const notes = await notesOf(this.db, { warningIds: [card.id] });
    return cardOf(card, notes.map(noteOf));
  }
}

/** API tokens from REFLOW_TOKENS_FILE: created with one demo token per role on first start. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `supervisor` (督查): reads the cards of electronic supervision and the cases, writes follow-up notes (督办意见).
 * `publisher`: publishes process versions (审批 of a process change).
 */
export const ROLES = [
  'admin',
  'designer',
  'intake',
  'department',
  'auditor',
  'supervisor',
  'publisher',
] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  token: string;
  role: Role;
  department?: string;
  /** A name for the audit log: the role, and the department if any. */
  name: string;
}

const DEMO_DEPARTMENTS = ['市场监管', '公安', '税务', '人社', '公积金中心'];

/** Reads and checks a tokens file; a broken file is a start-up error naming the entry. */
export function parseTokens(text: string, source: string): Principal[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${source} is not valid JSON (${(error as Error).message}): fix it or delete it to get fresh demo tokens`,
    );
  }
  if (!Array.isArray(data))
    throw new Error(`${source} must hold a JSON array of { token, role, department? }`);
  return data.map((entry, i) => {
    const { token, role, department } = (entry ?? {}) as Record<string, unknown>;
    if (typeof token !== 'string' || token.length < 8)
      throw new Error(`${source}[${i}].token must be a string of at least 8 characters`);
    if (!ROLES.includes(role as Role))
      throw new Error(`${source}[${i}].role must be one of ${ROLES.join(', ')}`);
    if (role === 'department' && (typeof department !== 'string' || department === '')) {
      throw new Error(`${source}[${i}] has role department and needs "department": the department's name`);
    }
    const name = role === 'department' ? `department:${department}` : String(role);
    return {
      token,
      role: role as Role,
      ...(role === 'department' ? { department: department as string } : {}),
      name,
    };
  });
}

/**
 * Loads the tokens file, creating it with demo tokens when missing (one per role, and one per department of
 * the deployed processes); `created` tells whether to print them.
 */
export function loadTokens(
  file: string,
  departments: string[] = DEMO_DEPARTMENTS,
): { principals: Principal[]; created: boolean } {
  if (existsSync(file)) return { principals: parseTokens(readFileSync(file, 'utf8'), file), created: false };
  const make = () => randomBytes(12).toString('hex');
  const entries = [
    { token: make(), role: 'admin' },
    { token: make(), role: 'designer' },
    { token: make(), role: 'intake' },
    { token: make(), role: 'auditor' },
    { token: make(), role: 'supervisor' },
    { token: make(), role: 'publisher' },
    ...[...new Set(departments)]
      .sort()
      .map((department) => ({ token: make(), role: 'department', department })),
  ];
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
  return { principals: parseTokens(JSON.stringify(entries), file), created: true };
}

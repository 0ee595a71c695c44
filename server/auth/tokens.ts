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

/**
 * Who sent a request, the same for every kind of token (tokens file or JWT): `userId` is what the audit log
 * and a step's handler name, `name` the person's display name, `lead` a department lead (组长/科长).
 */
export interface Identity {
  userId: string;
  name: string;
  roles: Role[];
  department: string | null;
  lead: boolean;
}

export interface Principal extends Identity {
  /**
   * What scopes the caller's idempotency keys and rate limit: the token itself for the tokens file, the
   * issuer and subject for a JWT (`jwt <iss> <sub>`), so a refreshed JWT keeps its keys.
   */
  token: string;
  /** The role the routes check first: admin before the others, then ROLES's order. */
  role: Role;
}

/** The role a principal with these roles acts as where one role decides (ROLES's order). */
export const primaryRole = (roles: readonly Role[]): Role | undefined => ROLES.find((r) => roles.includes(r));

const DEMO_DEPARTMENTS = ['市场监管', '公安', '税务', '人社', '公积金中心'];

const optionalText = (value: unknown, where: string): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200)
    throw new Error(`${where} must be a non-empty string of at most 200 characters, or left out`);
  return value;
};

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
    throw new Error(
      `${source} must hold a JSON array of { token, role, department?, userId?, name?, lead? }`,
    );
  const principals = data.map((entry, i): Principal => {
    const { token, role, department, userId, name, lead } = (entry ?? {}) as Record<string, unknown>;
    if (typeof token !== 'string' || token.length < 8)
      throw new Error(`${source}[${i}].token must be a string of at least 8 characters`);
    if (!ROLES.includes(role as Role))
      throw new Error(`${source}[${i}].role must be one of ${ROLES.join(', ')}`);
    if (role === 'department' && (typeof department !== 'string' || department === '')) {
      throw new Error(`${source}[${i}] has role department and needs "department": the department's name`);
    }
    if (lead !== undefined && typeof lead !== 'boolean')
      throw new Error(`${source}[${i}].lead must be true or false, or left out`);
    if (lead === true && role !== 'department')
      throw new Error(
        `${source}[${i}] has "lead": true but role ${String(role)}: a lead leads a department (role department)`,
      );
    // without a user id a token is its role or department, as the audit log has always named it
    const shared = role === 'department' ? `department:${department}` : String(role);
    const id = optionalText(userId, `${source}[${i}].userId`) ?? shared;
    return {
      token,
      role: role as Role,
      roles: [role as Role],
      userId: id,
      name: optionalText(name, `${source}[${i}].name`) ?? id,
      department: role === 'department' ? (department as string) : null,
      lead: lead === true,
    };
  });
  const seen = new Map<string, number>();
  principals.forEach((p, i) => {
    const before = seen.get(p.token);
    if (before !== undefined)
      throw new Error(`${source}[${i}].token is the same as ${source}[${before}].token: give each its own`);
    seen.set(p.token, i);
  });
  return principals;
}

/**
 * Loads the tokens file, creating it with demo tokens when missing (one per role; per department of the
 * deployed processes, its shared token, its lead and a clerk by name); `created` tells whether to print them.
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
    // per department: its shared token, and two named people to try claiming and a lead's view with
    ...[...new Set(departments)].sort().flatMap((department, i) => [
      { token: make(), role: 'department', department },
      {
        token: make(),
        role: 'department',
        department,
        userId: `demo-lead-${i + 1}`,
        name: `${department}科长`,
        lead: true,
      },
      {
        token: make(),
        role: 'department',
        department,
        userId: `demo-clerk-${i + 1}`,
        name: `${department}经办人`,
      },
    ]),
  ];
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
  return { principals: parseTokens(JSON.stringify(entries), file), created: true };
}

/** Calls the Reflow API with the bearer token the user typed (kept in localStorage). */
import { language } from '../i18n/language.js';
import type { ApiFinding } from './types.js';

const TOKEN_KEY = 'reflow.token';

export const tokenStore = {
  get: (): string => localStorage.getItem(TOKEN_KEY) ?? '',
  set: (token: string): void => {
    if (token) localStorage.setItem(TOKEN_KEY, token.trim());
    else localStorage.removeItem(TOKEN_KEY);
  },
};

/** How this page signs in: `provider` when the server names an identity provider (the header's sign-in button). */
export const session = { provider: false };

/** An answer other than 2xx: the problem document's status, title, detail and findings. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: ApiFinding[] = [],
  ) {
    super(detail ? `${status} ${title}: ${detail}` : `${status} ${title}`);
  }
}

export interface ApiRequest {
  method?: 'GET' | 'POST';
  /** A JSON body, or a string sent as XML. */
  body?: unknown;
  accept?: string;
  /** The ETag of the answer already shown: an unchanged answer is a 304 without a body. */
  ifNoneMatch?: string | null;
}

async function send(path: string, request: ApiRequest = {}): Promise<Response> {
  // problems (validation, deploy findings) come in the interface's language
  const headers: Record<string, string> = {
    accept: request.accept ?? 'application/json',
    'accept-language': language,
  };
  const token = tokenStore.get();
  if (token) headers.authorization = `Bearer ${token}`;
  if (request.ifNoneMatch) headers['if-none-match'] = request.ifNoneMatch;
  let body: string | undefined;
  if (typeof request.body === 'string') {
    headers['content-type'] = 'application/xml';
    body = request.body;
  } else if (request.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.body);
  }
  const response = await fetch(path, {
    method: request.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  if (!response.ok && !(response.status === 304 && request.ifNoneMatch)) {
    let problem: { title?: string; detail?: string; errors?: ApiFinding[] } = {};
    try {
      problem = await response.json();
    } catch {
      // not a problem document (a proxy's error page): the status says enough
    }
    throw new ApiError(
      response.status,
      problem.title ?? response.statusText,
      problem.detail ?? '',
      problem.errors ?? [],
    );
  }
  return response;
}

/** GET or POST a path of the API and read the JSON answer. */
export async function api<T>(path: string, request?: ApiRequest): Promise<T> {
  return (await send(path, request)).json() as Promise<T>;
}

/** How often a view that updates itself (the inbox, the supervision view) asks again, in ms. */
export const POLL_MS = 15_000;

/**
 * Polling with ETags (the inbox, the supervision view): GET a path with the ETag of the answer already shown;
 * null when it is unchanged (304, no body sent), else the new answer and its ETag.
 */
export async function apiIfChanged<T>(
  path: string,
  etag: string | null,
): Promise<{ body: T; etag: string | null } | null> {
  const response = await send(path, { ifNoneMatch: etag });
  if (response.status === 304) return null;
  return { body: (await response.json()) as T, etag: response.headers.get('etag') };
}

/** The status of a successful call with its JSON answer (deploy answers 201 for a new version, 200 for a known one). */
export async function apiWithStatus<T>(
  path: string,
  request?: ApiRequest,
): Promise<{ status: number; body: T }> {
  const response = await send(path, request);
  return { status: response.status, body: (await response.json()) as T };
}

/** A document the API serves (the printable report) as a blob, fetched with the token. */
export async function apiBlob(path: string, accept = 'text/html'): Promise<Blob> {
  return (await send(path, { accept })).blob();
}

/** Who the token belongs to (GET /api/me). */
export interface Identity {
  userId: string;
  name: string;
  roles: string[];
  department: string | null;
  lead: boolean;
}

let known: { token: string; identity: Promise<Identity> } | null = null;

/** The caller's identity, asked once per token (the header and the views share it). */
export function identity(): Promise<Identity> {
  const token = tokenStore.get();
  if (known?.token !== token) {
    const asked = api<Identity>('/api/me');
    known = { token, identity: asked };
    asked.catch(() => {
      if (known?.identity === asked) known = null; // asked again next time (a token typed in later)
    });
  }
  return known.identity;
}

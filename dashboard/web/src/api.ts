/**
 * The API from the page: same origin, the session cookie (httpOnly, sent by the browser), and
 * X-Requested-With on every request, which the server requires on cookie-authenticated writes
 * (CSRF). A 401 sends the page back to sign-in.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let onUnauthorized: () => void = () => undefined;
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-requested-with': 'quantrac-dashboard', accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? null : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(res.status, 'QT_ERR_NOT_JSON', `${method} ${path}: ${res.status} (not JSON)`);
  }
  if (!res.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (res.status === 401 && !path.startsWith('/api/v1/auth/')) onUnauthorized();
    throw new ApiError(res.status, error?.code ?? 'QT_ERR_HTTP', error?.message ?? `${method} ${path}: ${res.status}`);
  }
  return parsed as T;
}

export interface User {
  username: string;
  role: 'viewer' | 'operator' | 'reviewer' | 'admin';
}

const RANK = { viewer: 1, operator: 2, reviewer: 3, admin: 4 } as const;
export function can(user: User, role: User['role']): boolean {
  return RANK[user.role] >= RANK[role];
}

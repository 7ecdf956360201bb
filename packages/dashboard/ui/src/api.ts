/** REST client: bearer token from this browser's storage; errors keep the API's code. */
const KEY = 'tradekit.token';

/** One problem in an error answer's `errors` list (config errors carry where they are). */
export interface ApiErrorItem {
  code: string;
  message: string;
  line?: number;
  path?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The answer's `error` object: `{ code, message, errors? }` (docs/api.md). */
    readonly body?: { code?: string; message?: string; errors?: ApiErrorItem[] },
  ) {
    super(message);
  }
}

export function getToken(): string | null {
  return localStorage.getItem(KEY);
}

export function setToken(t: string | null): void {
  if (t) localStorage.setItem(KEY, t);
  else localStorage.removeItem(KEY);
}

/** A link like `/#token=tk_…` signs in once; the token is moved to storage and removed from the URL. */
export function takeTokenFromUrl(): string | null {
  const m = /[#&]token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (!m) return null;
  setToken(m[1]!);
  history.replaceState(null, '', location.pathname + location.search + location.hash.replace(/[#&]token=[A-Za-z0-9_-]+/, '').replace(/^#?$/, ''));
  return m[1]!;
}

export async function api<T = unknown>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${getToken() ?? ''}` };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`api${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  const body = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new ApiError(res.status, body?.error?.code ?? 'TK_ERR_HTTP', body?.error?.message ?? res.statusText, body?.error);
  return body as T;
}

export const runPath = (id: string) => `/runs/${encodeURIComponent(id)}`;

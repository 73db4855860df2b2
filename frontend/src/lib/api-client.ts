// The one HTTP client: typed by the generated OpenAPI schema, session cookie + CSRF header on
// writes, and the API's error shape turned into an ApiError with a readable message.
import createClient, { type Middleware } from 'openapi-fetch';

import type { components, paths } from './api-schema';

export type Schemas = components['schemas'];

export type ApiErrorBody = {
  code?: string;
  message?: string;
  details?: unknown;
  request_id?: string | null;
};

export class ApiError extends Error {
  status: number;
  body: ApiErrorBody;

  constructor(status: number, body: ApiErrorBody) {
    super(describeError(status, body));
    this.status = status;
    this.body = body;
  }
}

/** A sentence a user can read, with the details the API gave (which field, what is wrong). */
export function describeError(status: number, body: ApiErrorBody): string {
  const message = body.message || `the server answered ${status}`;
  const details = flattenDetails(body.details);
  return details.length ? `${message}: ${details.join('; ')}` : message;
}

function flattenDetails(details: unknown, prefix = ''): string[] {
  if (details == null) return [];
  if (typeof details === 'string') return [prefix ? `${prefix} ${details}` : details];
  if (Array.isArray(details)) return details.flatMap((item) => flattenDetails(item, prefix));
  if (typeof details === 'object') {
    return Object.entries(details as Record<string, unknown>).flatMap(([key, value]) =>
      flattenDetails(value, prefix ? `${prefix}.${key}` : key),
    );
  }
  return [String(details)];
}

let csrfToken: string | null = null;
let onSessionExpired: () => void = () => {};

export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

export function setSessionExpiredHandler(handler: () => void) {
  onSessionExpired = handler;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const session: Middleware = {
  onRequest({ request }) {
    if (csrfToken && UNSAFE.has(request.method)) request.headers.set('X-CSRFToken', csrfToken);
    return request;
  },
  async onResponse({ request, response }) {
    if (response.ok) return response;
    const body = (await response
      .clone()
      .json()
      .catch(() => ({}))) as ApiErrorBody;
    const isLogin = new URL(request.url).pathname.endsWith('/auth/login');
    const isMe = new URL(request.url).pathname.endsWith('/auth/me');
    if (response.status === 401 && !isLogin && !isMe) onSessionExpired();
    throw new ApiError(response.status, body);
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(session);

/** The data of an openapi-fetch result (errors were already thrown by the middleware). */
export function unwrap<T>(result: { data?: T }): T {
  return result.data as T;
}

/** A multipart upload with progress (fetch has no upload progress; XHR does). */
export function uploadWithProgress<T>(
  path: string,
  form: FormData,
  onProgress: (fraction: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', path);
    request.withCredentials = true;
    if (csrfToken) request.setRequestHeader('X-CSRFToken', csrfToken);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      let body: unknown = {};
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = {};
      }
      if (request.status >= 200 && request.status < 300) resolve(body as T);
      else {
        if (request.status === 401) onSessionExpired();
        reject(new ApiError(request.status, body as ApiErrorBody));
      }
    };
    request.onerror = () => reject(new ApiError(0, { message: 'the server could not be reached' }));
    request.send(form);
  });
}

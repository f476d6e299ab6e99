/**
 * Errors for humans (the Check Run summary) and for logs. Log fields carry the error's kind, status and first
 * message line, never request headers, tokens or file content.
 */

interface RequestErrorLike {
  name?: string;
  status?: number;
  message?: string;
  request?: { method?: string; url?: string };
}

function firstLine(text: string, max = 300): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function routeOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).pathname;
  } catch {
    return url.split('?')[0];
  }
}

export function describeError(error: unknown): string {
  const e = (error ?? {}) as RequestErrorLike;
  if (typeof e.status === 'number' && e.request) {
    const route = routeOf(e.request.url);
    return `GitHub answered ${e.status} to ${e.request.method ?? 'a request'} ${route ?? ''}: ${firstLine(e.message ?? '')}`.trim();
  }
  if (error instanceof Error) return `Internal error: ${firstLine(error.message)}`;
  return 'Internal error.';
}

export function errorLogFields(error: unknown): Record<string, unknown> {
  const e = (error ?? {}) as RequestErrorLike;
  const fields: Record<string, unknown> = {
    type: error instanceof Error ? error.name : typeof error,
    message: firstLine(typeof e.message === 'string' ? e.message : String(error)),
  };
  if (typeof e.status === 'number') fields.status = e.status;
  if (e.request) fields.route = `${e.request.method ?? ''} ${routeOf(e.request.url) ?? ''}`.trim();
  if (error instanceof Error && error.stack && !(typeof e.status === 'number')) {
    fields.stack = error.stack.split('\n').slice(1, 6).map((l) => l.trim()).join(' | ');
  }
  return fields;
}

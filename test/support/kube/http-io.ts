/**
 * Small node:http helpers: read a request body, answer JSON, answer a Status error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KubeStatusError, badRequest } from './errors.ts';

/** The request body as text (limited to 16 MiB like the real server's 3 MiB object limit, but generous). */
export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > 16 * 1024 * 1024)
      throw new KubeStatusError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body; an empty body is `undefined`. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(
      `couldn't get version/kind; json parse error: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Writes a JSON answer. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Writes a Status error. */
export function sendError(response: ServerResponse, error: KubeStatusError): void {
  sendJson(response, error.status.code ?? 500, error.status, error.headers);
}

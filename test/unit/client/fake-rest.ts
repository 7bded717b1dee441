/** A scripted HTTP server on 127.0.0.1:0 standing in for Maestro's REST API in SDK unit tests. */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TestContext } from 'node:test';

/** A request the fake received. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** What a route answers: status and JSON body (undefined for none). */
export interface FakeAnswer {
  status: number;
  body?: unknown;
}

/** A running fake. */
export interface FakeRest {
  url: string;
  requests: RecordedRequest[];
}

/** Starts a fake whose answers come from `route`; stopped after the test. */
export async function startFakeRest(
  t: TestContext,
  route: (request: RecordedRequest) => FakeAnswer | Promise<FakeAnswer>,
): Promise<FakeRest> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: text === '' ? undefined : JSON.parse(text),
      };
      requests.push(recorded);
      void Promise.resolve(route(recorded)).then((answer) => {
        res.statusCode = answer.status;
        if (answer.body === undefined) {
          res.end();
          return;
        }
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(answer.body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, requests };
}

/** An upstream-shaped REST error body. */
export function errorBody(code: number, reason: string): Record<string, string> {
  return {
    kind: 'Error',
    id: String(code),
    href: `/api/maestro/v1/errors/${code}`,
    code: `maestro-${code}`,
    reason,
    operation_id: 'op-1',
  };
}

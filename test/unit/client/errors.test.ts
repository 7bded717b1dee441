import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import {
  AlreadyExistsError,
  ConflictError,
  createConsumerClient,
  createMaestroConnection,
  InvalidError,
  MaestroError,
  NotFoundError,
  UnavailableError,
} from '../../../src/client/index.ts';
import { toClientError } from '../../../src/client/errors.ts';
import { errorBody, startFakeRest } from './fake-rest.ts';

test('REST error bodies become typed errors carrying the server reason and operation id', async (t) => {
  const answers: Record<string, { status: number; body?: unknown }> = {
    '/api/maestro/v1/consumers/missing': { status: 404, body: errorBody(7, "consumer 'missing' not found") },
    '/api/maestro/v1/consumers/bad': {
      status: 400,
      body: errorBody(8, 'labels must be an object of strings'),
    },
    '/api/maestro/v1/consumers/busy': { status: 503, body: errorBody(9, 'database unavailable') },
    '/api/maestro/v1/consumers/used': {
      status: 403,
      body: errorBody(4, 'resource bundles still reference it'),
    },
    '/api/maestro/v1/consumers/boom': { status: 500 },
  };
  const fake = await startFakeRest(t, (request) =>
    request.method === 'POST'
      ? { status: 409, body: errorBody(6, 'This Consumer already exists') }
      : request.method === 'PATCH'
        ? { status: 409, body: errorBody(6, 'version moved on') }
        : (answers[request.path] ?? { status: 404 }),
  );
  const consumers = createConsumerClient(createMaestroConnection({ sourceId: 's', restUrl: fake.url }));

  await assert.rejects(consumers.get('missing'), (err: unknown) => {
    assert.ok(err instanceof NotFoundError);
    assert.ok(err instanceof MaestroError);
    assert.equal(err.code, 'NOT_FOUND');
    assert.equal(err.message, "consumer 'missing' not found");
    assert.equal(err.httpStatus, 404);
    assert.equal(err.apiCode, 7);
    assert.equal(err.operationId, 'op-1');
    return true;
  });
  await assert.rejects(consumers.get('bad'), InvalidError);
  await assert.rejects(
    consumers.get('busy'),
    (err: unknown) => err instanceof UnavailableError && /database/.test(err.message),
  );
  await assert.rejects(consumers.delete('used'), (err: unknown) => {
    assert.ok(err instanceof MaestroError);
    assert.equal(err.code, 'PERMISSION_DENIED');
    assert.match(err.message, /still reference/);
    return true;
  });
  await assert.rejects(consumers.get('boom'), (err: unknown) => {
    assert.ok(err instanceof MaestroError);
    assert.equal(err.code, 'INTERNAL');
    assert.match(err.message, /GET \/api\/maestro\/v1\/consumers\/boom failed with http 500/);
    return true;
  });
  await assert.rejects(consumers.create({ name: 'c1' }), AlreadyExistsError);
  await assert.rejects(consumers.updateLabels('c1', {}), ConflictError);
});

test('an unreachable or silent REST server is an UnavailableError', async (t) => {
  const refused = createConsumerClient(
    createMaestroConnection({ sourceId: 's', restUrl: 'http://127.0.0.1:1' }),
  );
  await assert.rejects(refused.list(), (err: unknown) => {
    assert.ok(err instanceof UnavailableError);
    assert.match(err.message, /cannot reach the maestro rest api at 'http:\/\/127\.0\.0\.1:1'/);
    return true;
  });

  // accepts connections and never answers (reading, so the client's close is noticed)
  const silent = createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => silent.close(() => resolve())));
  const port = (silent.address() as { port: number }).port;
  const slow = createConsumerClient(
    createMaestroConnection({
      sourceId: 's',
      restUrl: `http://127.0.0.1:${port}`,
      deadlines: { restMs: 200 },
    }),
  );
  await assert.rejects(slow.list(), (err: unknown) => {
    assert.ok(err instanceof UnavailableError);
    assert.equal(err.code, 'DEADLINE_EXCEEDED');
    assert.match(err.message, /timed out after 200 ms/);
    return true;
  });
});

test('gRPC failures (as the transport reports them) map to the typed errors', () => {
  const cases: [string, new (...args: never[]) => Error][] = [
    ['NOT_FOUND', NotFoundError],
    ['ALREADY_EXISTS', AlreadyExistsError],
    ['ABORTED', ConflictError],
    ['FAILED_PRECONDITION', ConflictError],
    ['INVALID_ARGUMENT', InvalidError],
    ['UNAVAILABLE', UnavailableError],
    ['DEADLINE_EXCEEDED', UnavailableError],
  ];
  for (const [code, type] of cases) {
    const mapped = toClientError(new MaestroError(code as never, `server says ${code}`));
    assert.ok(mapped instanceof type, code);
    assert.equal((mapped as MaestroError).code, code);
    assert.equal(mapped.message, `server says ${code}`);
  }
  const other = new MaestroError('PERMISSION_DENIED', 'no');
  assert.equal(toClientError(other), other);
});

test('a bad REST URL or an empty source id fails at once', () => {
  assert.throws(() => createMaestroConnection({ sourceId: 's', restUrl: 'not a url' }), InvalidError);
  assert.throws(() => createMaestroConnection({ sourceId: 's', restUrl: 'ftp://x' }), InvalidError);
  assert.throws(() => createMaestroConnection({ sourceId: '' }), InvalidError);
});

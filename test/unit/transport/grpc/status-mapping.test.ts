import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { MaestroError } from '../../../../src/common/errors.ts';
import { fromGrpcError, grpcStatusOf } from '../../../../src/transport/grpc/status-mapping.ts';

describe('gRPC status mapping', () => {
  it('gives a MaestroError its own gRPC code and message', () => {
    const status = grpcStatusOf(new MaestroError('NOT_FOUND', "resource 'r1' not found"));
    assert.equal(status.code, GrpcStatus.NOT_FOUND);
    assert.equal(status.details, "resource 'r1' not found");
    assert.equal(grpcStatusOf(new Error('boom')).code, GrpcStatus.INTERNAL);
  });

  it('turns a failed call back into a MaestroError with the server message', () => {
    const err = fromGrpcError({ code: GrpcStatus.ALREADY_EXISTS, details: "resource 'r1' already exists" });
    assert.equal(err.code, 'ALREADY_EXISTS');
    assert.equal(err.message, "resource 'r1' already exists");
    assert.equal(fromGrpcError({ code: GrpcStatus.UNKNOWN, details: 'plain go error' }).code, 'INTERNAL');
    assert.equal(fromGrpcError({ code: GrpcStatus.OUT_OF_RANGE, details: 'x' }).code, 'INVALID_ARGUMENT');
    assert.equal(fromGrpcError({ code: GrpcStatus.DATA_LOSS, details: 'x' }).code, 'INTERNAL');
  });
});

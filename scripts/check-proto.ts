// `make proto`: loads the gRPC contract the way the server and clients do and prints its method paths.
import { errorMessage } from '../src/common/errors.ts';
import { findProtoRoot, loadCloudEventService } from '../src/cloudevents/proto.ts';

try {
  const service = loadCloudEventService();
  console.log(`proto root: ${findProtoRoot()}`);
  for (const method of Object.values(service)) {
    const kind = method.responseStream ? 'server-streaming' : 'unary';
    console.log(`${method.path} (${kind})`);
  }
} catch (err: unknown) {
  console.error(`proto check failed: ${errorMessage(err)}`);
  process.exit(1);
}

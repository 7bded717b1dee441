/**
 * `npm run kube-test-server -- --port <p> --kubeconfig <file> [--token <t>|--generate-token]`:
 * runs the Kubernetes test API server until killed, so the agent can be tried without a cluster.
 */
import { Command } from 'commander';
import { createLogger } from '../../../src/common/logger.ts';
import { startKubeTestServer } from './server.ts';

const program = new Command('kube-test-server')
  .description('an in-memory Kubernetes API server for trying and testing the maestro agent')
  .option('--port <port>', 'port to listen on (0: any free port)', '0')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--kubeconfig <file>', 'write a kubeconfig for the server to this file')
  .option('--token <token>', 'require this bearer token')
  .option('--generate-token', 'require a generated bearer token (written to the kubeconfig)')
  .option('--bookmark-interval-ms <ms>', 'period of watch bookmarks', '60000')
  .parse();

const flags = program.opts<{
  port: string;
  host: string;
  kubeconfig?: string;
  token?: string;
  generateToken?: boolean;
  bookmarkIntervalMs: string;
}>();

const logger = createLogger();
const server = await startKubeTestServer({
  port: Number(flags.port),
  host: flags.host,
  logger,
  bookmarkIntervalMs: Number(flags.bookmarkIntervalMs),
  ...(flags.token !== undefined
    ? { token: flags.token }
    : flags.generateToken === true
      ? { token: true }
      : {}),
  ...(flags.kubeconfig === undefined ? {} : { kubeconfigPath: flags.kubeconfig }),
});
console.log(`kube test server listening on ${server.url}`);
if (server.kubeconfigPath !== undefined) console.log(`kubeconfig written to ${server.kubeconfigPath}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void server.stop().then(() => process.exit(0));
  });
}

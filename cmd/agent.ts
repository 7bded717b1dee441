import { Option } from 'commander';
import type { Command } from 'commander';
import { AGENT_DEFAULTS, resolveAgentConfig, WORKLOAD_SOURCE_DRIVERS } from '../src/agent/config.ts';
import type { AgentFlagValues } from '../src/agent/config.ts';
import { isMaestroError } from '../src/common/errors.ts';
import { exitOnceStopped, loggerFor, UsageError, waitForShutdownSignal } from './program-context.ts';

/**
 * `maestro agent`: runs the work agent of one managed cluster. Flag names and defaults are upstream's
 * (`maestro agent --consumer-name=… --workload-source-driver=… --workload-source-config=…`), plus
 * `--health-port` for the plain-HTTP `/livez`, `/readyz` and `/metrics` endpoint.
 */
export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description(
      'Run the work agent of one managed cluster: receive ManifestWorks from Maestro, apply them with the ' +
        'Kubernetes API and report their status back.',
    )
    .option('--consumer-name <name>', 'name of this cluster (the Maestro consumer); required')
    .option(
      '--kubeconfig <path>',
      'kubeconfig of the managed cluster (default: in-cluster, else KUBECONFIG or ~/.kube/config)',
    )
    .addOption(
      new Option('--workload-source-driver <driver>', 'broker the agent talks to')
        .choices(WORKLOAD_SOURCE_DRIVERS)
        .default(undefined, AGENT_DEFAULTS.workloadSourceDriver),
    )
    .option('--workload-source-config <path>', 'broker config file (upstream YAML: url, caFile, token, …)')
    .option(
      '--cloudevents-client-id <id>',
      'source id of the events the agent sends (default <consumer-name>-work-agent)',
    )
    .option(
      '--status-sync-interval <duration>',
      'how often applied objects are re-read for status (default ' + AGENT_DEFAULTS.statusSyncInterval + ')',
    )
    .option(
      '--max-json-raw-length <bytes>',
      'largest JsonRaw status feedback value (default ' + String(AGENT_DEFAULTS.maxJsonRawLength) + ')',
    )
    .option(
      '--max-feedback-watch <n>',
      'most applied objects watched for feedbackScrapeType Watch; the rest are polled (default ' +
        String(AGENT_DEFAULTS.maxFeedbackWatch) +
        ')',
    )
    .option(
      '--kube-api-qps <qps>',
      'Kubernetes API requests per second (default ' + String(AGENT_DEFAULTS.kubeApiQps) + ')',
    )
    .option(
      '--kube-api-burst <n>',
      'Kubernetes API burst (default ' + String(AGENT_DEFAULTS.kubeApiBurst) + ')',
    )
    .option(
      '--appliedmanifestwork-eviction-grace-period <duration>',
      'how long an AppliedManifestWork no work claims is kept before it is deleted (100 years or more disables) (default ' +
        AGENT_DEFAULTS.appliedmanifestworkEvictionGracePeriod +
        ')',
    )
    .option(
      '--health-port <port>',
      'port of /livez, /readyz and /metrics (0 picks a free one) (default ' +
        String(AGENT_DEFAULTS.healthPort) +
        ')',
    )
    .option(
      '--health-bind-address <address>',
      'address the health port listens on (default ' + AGENT_DEFAULTS.healthBindAddress + ')',
    )
    .action(async (flags: AgentFlagValues, command: Command) => {
      const logger = loggerFor(command);
      let config;
      try {
        config = resolveAgentConfig(flags, process.env);
      } catch (err: unknown) {
        if (isMaestroError(err, 'INVALID_ARGUMENT')) throw new UsageError(err.message);
        throw err;
      }
      let agent;
      try {
        // Loaded here, not at the top: the Kubernetes client takes seconds to import and every other
        // subcommand would pay for it.
        const { createAgent } = await import('../src/agent/agent.ts');
        agent = await createAgent(config, logger);
      } catch (err: unknown) {
        if (isMaestroError(err, 'INVALID_ARGUMENT')) throw new UsageError(err.message);
        throw err;
      }
      const signal = waitForShutdownSignal(logger);
      try {
        await Promise.race([agent.start(), signal]);
        await signal;
      } finally {
        try {
          await agent.stop();
        } finally {
          exitOnceStopped();
        }
      }
    });
}

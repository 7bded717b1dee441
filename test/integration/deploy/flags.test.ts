/**
 * Every container arg in deploy/ is something the real `maestro` binary accepts: flag names are
 * checked against `maestro <subcommand> --help`, and the plain manifests' full command lines are
 * resolved by the real config modules (values valid, required flags present).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { resolveAgentConfig } from '../../../src/agent/config.ts';
import type { AgentFlagValues } from '../../../src/agent/config.ts';
import { camelNameOf, resolveServerConfig } from '../../../src/server/config.ts';
import type { ManifestObject } from './deploy-files.ts';
import { acceptedFlags, CHART_DIRS, containersOf, KUBERNETES_DIR, listFiles, podTemplateOf, readObjects } from './deploy-files.ts';

type Subcommand = 'server' | 'agent' | 'migration';
const SUBCOMMANDS: readonly Subcommand[] = ['server', 'agent', 'migration'];

/** One container command line of the plain manifests. */
interface CommandLine {
  where: string;
  subcommand: Subcommand;
  flags: Map<string, string>;
  env: Map<string, string>;
}

function commandLines(): CommandLine[] {
  const lines: CommandLine[] = [];
  for (const { file, object } of readObjects(KUBERNETES_DIR)) {
    if (object.kind !== 'Deployment') continue;
    for (const container of containersOf(podTemplateOf(object as ManifestObject))) {
      const [subcommand, ...rest] = container.args ?? [];
      const where = `${file}: ${object.metadata.name}/${container.name}`;
      assert.ok(SUBCOMMANDS.includes(subcommand as Subcommand), `${where}: first arg is a subcommand, got ${subcommand}`);
      const flags = new Map<string, string>();
      for (const arg of rest) {
        const match = /^--([a-z0-9-]+)=(.*)$/.exec(arg);
        assert.ok(match, `${where}: '${arg}' is written --flag=value`);
        flags.set(match[1] as string, match[2] as string);
      }
      // Kubernetes expands $(VAR) from the container env; fieldRef/secret values stand in as placeholders.
      const env = new Map((container.env ?? []).map((e) => [e.name, `<${e.name}>`]));
      lines.push({ where, subcommand: subcommand as Subcommand, flags, env });
    }
  }
  return lines;
}

const expand = (value: string, env: Map<string, string>): string =>
  value.replace(/\$\(([A-Z0-9_]+)\)/g, (whole, name: string) => env.get(name) ?? whole);

describe('container args in deploy/', () => {
  const accepted = new Map<Subcommand, Set<string>>();
  before(async () => {
    const flags = await Promise.all(SUBCOMMANDS.map((subcommand) => acceptedFlags(subcommand)));
    SUBCOMMANDS.forEach((subcommand, i) => accepted.set(subcommand, flags[i] as Set<string>));
  });

  it('reads the flags from the real binary', () => {
    assert.ok(accepted.get('server')?.has('--message-broker-type'));
    assert.ok(accepted.get('agent')?.has('--consumer-name'));
    assert.ok(accepted.get('migration')?.has('--db-url'));
    assert.ok(!accepted.get('migration')?.has('--message-broker-type'), 'migration takes database flags only');
  });

  const lines = commandLines();
  it('covers the server, its migration init container and the agent', () => {
    assert.deepEqual([...new Set(lines.map((l) => l.subcommand))].sort(), ['agent', 'migration', 'server']);
  });

  it('uses only flags the subcommand accepts (plain manifests)', () => {
    for (const line of lines) {
      for (const flag of line.flags.keys()) {
        assert.ok(accepted.get(line.subcommand)?.has(`--${flag}`), `${line.where}: maestro ${line.subcommand} has no --${flag}`);
      }
    }
  });

  it('passes values the server and migration config accept', () => {
    for (const line of lines.filter((l) => l.subcommand !== 'agent')) {
      const flags = Object.fromEntries([...line.flags].map(([name, value]) => [camelNameOf(name), expand(value, line.env)]));
      const env = line.env.has('MAESTRO_DB_URL') ? { MAESTRO_DB_URL: 'postgres://maestro:secret@db:5432/maestro' } : {};
      const config = resolveServerConfig({ flags, env });
      assert.equal(config.database.kind, 'external', `${line.where}: uses the external database, not the embedded one`);
      if (line.subcommand === 'server') {
        assert.equal(config.hostname, '', `${line.where}: listens on all interfaces`);
        assert.equal(config.instanceId, 'maestro-<POD_NAME>', `${line.where}: one instance id per pod`);
      }
    }
  });

  it('passes values the agent config accepts', () => {
    const agents = lines.filter((l) => l.subcommand === 'agent');
    assert.equal(agents.length, 1);
    for (const line of agents) {
      const flags = Object.fromEntries([...line.flags].map(([name, value]) => [camelNameOf(name), value])) as AgentFlagValues;
      const config = resolveAgentConfig(flags, {});
      assert.equal(config.consumerName, 'cluster1');
      assert.equal(config.workloadSourceDriver, 'grpc');
    }
  });

  /** `--flags` written literally in a chart's templates. */
  const templateFlags = (chartDir: string, only?: RegExp): Set<string> => {
    const flags = new Set<string>();
    for (const path of listFiles(join(chartDir, 'templates'), ['.yaml', '.tpl'])) {
      let text = readFileSync(path, 'utf8');
      if (only) text = [...text.matchAll(only)].map((m) => m[0]).join('\n');
      for (const match of text.matchAll(/^\s*- (--[a-z0-9-]+)/gm)) flags.add(match[1] as string);
    }
    return flags;
  };

  it('uses only flags the subcommand accepts (Helm chart templates)', () => {
    const server = templateFlags(CHART_DIRS.server);
    const agent = templateFlags(CHART_DIRS.agent);
    const database = templateFlags(CHART_DIRS.server, /define "maestro-server\.dbArgs"[\s\S]*?\{\{- end -\}\}/g);
    assert.ok(server.size > 10 && agent.size > 5 && database.size >= 2, 'found the templates’ flags');
    for (const flag of server) assert.ok(accepted.get('server')?.has(flag), `maestro-server chart: server has no ${flag}`);
    for (const flag of database) assert.ok(accepted.get('migration')?.has(flag), `maestro-server chart: migration has no ${flag}`);
    for (const flag of agent) assert.ok(accepted.get('agent')?.has(flag), `maestro-agent chart: agent has no ${flag}`);
  });
});

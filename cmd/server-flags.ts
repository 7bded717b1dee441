import { Option } from 'commander';
import type { Command } from 'commander';
import { SERVER_FLAGS } from '../src/server/config.ts';

/**
 * Adds the given `maestro server` flags to a command, from the one flag table in the config module.
 * No commander defaults are set, so the config module can tell flags from environment and defaults.
 */
export function addServerFlags(command: Command, names?: readonly string[]): Command {
  for (const def of SERVER_FLAGS) {
    if (names !== undefined && !names.includes(def.name)) continue;
    const text = def.kind === 'boolean' ? `--${def.name}` : `--${def.name} <value>`;
    const defaultNote = def.defaultValue !== undefined ? ` (default: ${def.defaultValue || '""'})` : '';
    const option = new Option(text, `${def.description}${defaultNote}`);
    if (def.choices) option.choices(def.choices);
    command.addOption(option);
  }
  return command;
}

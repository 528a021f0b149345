// Checks on what a run printed, for the workflow-command injection tests: which lines the
// runner would execute, and which of those are the action's own.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { foreignCommands, runnerLines } from './runner-commands.js';

/** Messages of the action's own annotations without a file (setFailed, the offline note). */
const OWN_PLAIN_MESSAGES = ['the inventory has ', 'No SSH key was available', 'Unable to find environment variable for $GITHUB_STEP_SUMMARY'];

/**
 * One of the action's own workflow commands: add-mask, group/endgroup, or an annotation
 * whose file exists in the workspace (or, without a file, one of our own messages). A
 * forged command has a made-up file, another command, or data that starts with the
 * payload's marker.
 */
export function isOwnCommand(line: string, workspace: string, marker: string): boolean {
  const m = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!m) return false;
  const [, command, props = '', data = ''] = m;
  if (data.startsWith(marker)) return false;
  if (command === 'add-mask' || command === 'endgroup') return true;
  if (command === 'group') return !data.includes(marker);
  if (command !== 'error' && command !== 'warning') return false;
  const file = /(?:^|,)file=([^,]*)/.exec(props)?.[1];
  if (file !== undefined) return existsSync(path.join(workspace, file.replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%25/g, '%')));
  return OWN_PLAIN_MESSAGES.some((p) => data.startsWith(p));
}

export const foreignActionCommands = (output: string, workspace: string, marker: string): string[] =>
  foreignCommands(output, (l) => isOwnCommand(l, workspace, marker));

/** Raw terminal control characters (ESC, CR, NUL, other C0/C1 except tab and newline). */
export const rawControls = (output: string): string[] => [...output.matchAll(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g)].map((m) => m[0]);

export { runnerLines };

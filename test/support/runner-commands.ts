// What the GitHub runner would execute from a step's output (actions/runner ActionCommand):
// a line that, after .NET's TrimStart, starts with "::", or (legacy form) contains "##[".
// Lines are split on \r\n, \r and \n, as the runner reads them.

const COMMAND_START = /^[\s\u0085\u180e]*::/;

export const runnerWouldRun = (line: string): boolean => COMMAND_START.test(line) || line.includes('##[');

export const runnerLines = (output: string): string[] => output.split(/\r\n|\r|\n/);

/** Lines of an output the runner would run as commands, except those allowed (ours). */
export function foreignCommands(output: string, ours: (line: string) => boolean): string[] {
  return runnerLines(output).filter((l) => runnerWouldRun(l) && !ours(l));
}

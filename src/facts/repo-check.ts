import { hostFunctions } from './host-script.js';
import { RESTIC_EXIT_CODES, versionAtLeast } from '../util/version.js';
import type { RepoFact, RepoStatus } from './types.js';

/**
 * Shell functions that open the repository with given credentials: src/sh/repo-check.sh.
 * The URL and password arrive as shell variables read from stdin and go into 0600 temp
 * files for --repository-file/--password-file: never argv, never the environment.
 * `repo_check_files` prints "<exit code> <base64 stderr tail>".
 *
 * Opening a repository costs a key derivation (scrypt) on the client and password checks
 * on the server, seconds when ten clients ask at once; so a successful check with the
 * installed credentials is remembered in /var/lib/restic-fleet/repo-verified (0600: the sha256 of the two
 * credential files), and a probe within a day of it, with unchanged credentials, reuses
 * it. Every successful backup refreshes it too (the runner writes the same file).
 */
export const REPO_CHECK_FUNCTION = hostFunctions('repo-check');

/**
 * restic ≥ 0.17 says what went wrong in its exit code: 10 repository does not exist, 11 lock
 * held, 12 wrong password. restic 0.14 exits 1 for every failure: tell cases apart by stderr
 * (see FIELD-NOTES); that is also the fallback for every other code and for an unknown version.
 */
const EXIT_CODE_STATUS: Record<number, RepoStatus> = { 10: 'absent', 11: 'locked', 12: 'wrong-password' };

export function classifyRepo(code: number, stderr: string, resticVersion?: string): RepoFact {
  const detail = stderr.trim().split('\n').slice(-3).join(' | ');
  const is = (re: RegExp) => re.test(stderr);
  const byCode = resticVersion && versionAtLeast(resticVersion, RESTIC_EXIT_CODES) ? EXIT_CODE_STATUS[code] : undefined;
  let status: RepoStatus;
  if (code === 0) status = 'initialised';
  else if (byCode) status = byCode;
  else if (code === 124 || code === 137) status = 'unreachable';
  else if (is(/401 Unauthorized|unauthorized/i)) status = 'unauthorized';
  else if (is(/wrong password or no key found/)) status = 'wrong-password';
  else if (is(/repository is already locked/)) status = 'locked';
  else if (is(/unable to open config file/) && is(/does not exist|no such file|404/i)) status = 'absent';
  else if (is(/connection refused|no such host|i\/o timeout|dial tcp|network is unreachable|EOF/i)) status = 'unreachable';
  else status = 'error';
  return { status, detail: status === 'initialised' ? '' : detail };
}

/** Parses the "<code> <base64>" line that repo_check_* prints (resticVersion: the host's, from the same probe). */
export function parseRepoCheckLine(line: string, resticVersion?: string): RepoFact {
  const [code, b64 = ''] = line.trim().split(' ');
  const n = Number(code);
  if (!Number.isInteger(n)) return { status: 'error', detail: `unexpected repository check output: ${line.slice(0, 100)}` };
  return classifyRepo(n, Buffer.from(b64, 'base64').toString('utf8'), resticVersion);
}

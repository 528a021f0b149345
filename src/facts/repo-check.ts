import { PASSWORD_FILE, REPOSITORY_FILE, VERIFIED_FILE } from '../desired/runner-script.js';
import { script } from '../remote/shell.js';
import { RESTIC_EXIT_CODES, versionAtLeast } from '../util/version.js';
import type { RepoFact, RepoStatus } from './types.js';

/**
 * Shell functions that open the repository with given credentials. The URL and
 * password arrive as shell variables read from stdin and go into 0600 temp files
 * for --repository-file/--password-file: never argv, never the environment.
 * `repo_check_files` prints "<exit code> <base64 stderr tail>".
 *
 * Opening a repository costs a key derivation (scrypt) on the client and password checks
 * on the server, seconds when ten clients ask at once; so a successful check with the
 * installed credentials is remembered in ${VERIFIED_FILE} (0600: the sha256 of the two
 * credential files), and a probe within a day of it, with unchanged credentials, reuses
 * it. Every successful backup refreshes it too (the runner writes the same file).
 */
export const REPO_CHECK_FUNCTION = script(`installed_hash() { cat ${REPOSITORY_FILE} ${PASSWORD_FILE} 2>/dev/null | sha256sum | cut -d' ' -f1; }
mark_verified() {
  mkdir -p "$(dirname ${VERIFIED_FILE})" && installed_hash > ${VERIFIED_FILE}.tmp && chmod 600 ${VERIFIED_FILE}.tmp && mv -f ${VERIFIED_FILE}.tmp ${VERIFIED_FILE}
}
verified_recently() { [ -n "$(find ${VERIFIED_FILE} -mmin -1440 2>/dev/null)" ] && [ "$(cat ${VERIFIED_FILE})" = "$(installed_hash)" ]; }
repo_check_files() { # repository-file password-file
  RF_ERR=$(mktemp) || { echo "99 $(echo mktemp failed | base64 -w0)"; return; }
  timeout 20 restic --repository-file "$1" --password-file "$2" --no-lock --no-cache cat config >/dev/null 2>"$RF_ERR"
  RF_RC=$?
  [ "$RF_RC" = 0 ] && [ "$1" = ${REPOSITORY_FILE} ] && mark_verified
  printf '%s %s\\n' "$RF_RC" "$(tail -n 5 "$RF_ERR" | base64 -w0)"
  rm -f "$RF_ERR"
}
repo_check_stdin() { # url password
  RF_T=$(mktemp -d) || return
  printf '%s\\n' "$1" > "$RF_T/repository"; printf '%s\\n' "$2" > "$RF_T/password"
  repo_check_files "$RF_T/repository" "$RF_T/password"
  rm -rf "$RF_T"
}
repo_check_desired() { # url password sha256-of-the-desired-credential-files
  if [ "$(installed_hash)" != "$3" ]; then repo_check_stdin "$1" "$2"
  elif verified_recently; then echo "0 $(printf 'verified within the last day' | base64 -w0)"
  else repo_check_files ${REPOSITORY_FILE} ${PASSWORD_FILE}; fi
}`);

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

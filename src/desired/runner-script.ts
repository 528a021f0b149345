import { SH_FILES } from '../sh/files.generated.js';

/**
 * The runner script installed on clients at RUNNER_PATH. Cron jobs call it; it loads
 * the credentials from root-only files (never from the environment or argv), takes a
 * per-set lock so runs never overlap, runs restic, and records the last run in a
 * status file the snapshot summary reads.
 *
 * POSIX sh, no jq/python: hosts only need restic, docker, flock, timeout.
 * Subcommands are kept open for later set types (database dumps, commands) and for
 * scheduled checks and restore drills.
 */
export const RUNNER_DIR = '/usr/local/lib/restic-fleet';
export const RUNNER_PATH = `${RUNNER_DIR}/run`;
export const ETC_DIR = '/etc/restic-fleet';
export const REPOSITORY_FILE = `${ETC_DIR}/repository`;
export const PASSWORD_FILE = `${ETC_DIR}/password`;
export const CRON_FILE = '/etc/cron.d/restic-fleet';
export const STATUS_DIR = '/var/lib/restic-fleet/status';
export const LOG_DIR = '/var/log/restic-fleet';
export const HOST_LOCK = '/var/lock/restic-fleet.lock';
/** sha256 of the credential files that last opened the repository (see facts/repo-check.ts). */
export const VERIFIED_FILE = '/var/lib/restic-fleet/repo-verified';
export const CACHE_DIR = '/var/cache/restic-fleet';
/** Tag carried by every snapshot of a set: how restore and rotation find a set's snapshots. */
export const SET_TAG_PREFIX = 'restic-fleet:set=';
export const PRE_RESTORE_TAG = 'restic-fleet:pre-restore';
export const KEEP_UNTIL_TAG_PREFIX = 'restic-fleet:keep-until=';
/** How long a safety snapshot taken before a restore survives rotation. */
export const PRE_RESTORE_KEEP_DAYS = 14;

/** The drill and check functions (src/sh/runner-drill.sh) go at runner.sh's marker, before its dispatch runs. */
export const DRILL_MARKER = '# @runner-drill';
function withDrills(runner: string, drill: string): string {
  const at = runner.indexOf(`\n${DRILL_MARKER}`);
  if (at < 0) throw new Error(`src/sh/runner.sh lost its "${DRILL_MARKER}" line`);
  const eol = runner.indexOf('\n', at + 1);
  return `${runner.slice(0, at + 1)}${drill.replace(/\n*$/, '\n')}${runner.slice(eol + 1)}`;
}

/**
 * The runner's text: src/sh/runner.sh (shellchecked; the paths above are written there as
 * literals, a unit test keeps them equal). Cron executes the file, so it keeps its shebang.
 */
export const RUNNER_SCRIPT = `#!/bin/sh\n${withDrills(SH_FILES.runner, SH_FILES['runner-drill'])}`;

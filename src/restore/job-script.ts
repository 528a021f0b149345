import { hostScript } from '../facts/host-script.js';
import { joinShell, script } from '../remote/shell.js';
import { RESTORE_DIR } from './types.js';

/**
 * The restore job: a POSIX sh script written to <RESTORE_DIR>/<run>.sh for each run and
 * started detached (`setsid -f`, output to <run>.log), so a dropped SSH connection does
 * not stop it. It reports through <run>.status ("key value" lines, replaced atomically).
 *
 *   <run>.sh in-place RUN HOST SLUG VOLUME SNAPSHOT SNAPPATH KEEP_UNTIL [FAILPOINT]
 *   <run>.sh to-path  RUN HOST SLUG VOLUME SNAPSHOT SNAPPATH TARGET
 *   <run>.sh recover  RUN [VOLUME]
 *
 * All-or-nothing in place: the snapshot is restored and verified in a staging directory
 * beside the volume's _data (same filesystem), then swapped in by two renames in the
 * volume's directory (_data → .rf-old-RUN, .rf-new-RUN → _data), guarded by a journal
 * (swap-<slug>.journal) written before the first rename and removed after the second.
 * `recover` (run first by every job, and by the caller when a job died) reads any
 * journal left behind and finishes the swap (the new tree was verified before the
 * journal existed) or rolls it back, and restarts containers a dead job left stopped.
 *
 * FAILPOINT (tests only): kill the job with SIGKILL at after-stop, before-swap,
 * between-renames or after-swap, to prove recovery.
 *
 * The text is src/sh/restore-job.sh after the one prelude and src/sh/restore.sh; every
 * run-specific value is a quoted argument.
 */
const HEADER = '#!/bin/sh\n# restic-fleet restore job — written by restic-fleet for one run; see <run>.status and <run>.log.\n';

/** The job script's full text (constant). */
export const RESTORE_JOB_SCRIPT = HEADER + joinShell([hostScript(['restore', 'restore-job'], { RESTORE_DIR }), script('restore_job "$@"\nexit 0')]).text + '\n';

export const FAILPOINTS = ['after-stop', 'before-swap', 'between-renames', 'after-swap'] as const;
export type Failpoint = (typeof FAILPOINTS)[number];

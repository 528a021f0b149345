/** What the snapshot summary shows per client and backup set. */
export interface LatestSnapshot {
  id: string;
  shortId: string;
  time: string; // ISO 8601 as restic prints it
  ageSeconds: number;
  paths: string[];
  tags: string[];
}

/** The runner script's status file for the set's last run. */
export interface LastRun {
  status: 'ok' | 'failed' | 'running' | 'skipped';
  start?: string; // ISO 8601
  end?: string;
  exitCode?: number;
  snapshotId?: string;
  message?: string; // short, from the host: escape before embedding
  /** From the runner's status record (issue 13), when it wrote them. */
  type?: string;
  durationSeconds?: number;
  filesNew?: number;
  bytesAdded?: number;
  stopped?: string; // containers stopped during the backup
  unlocked?: string; // stale lock removed before it
  /** The set's last restore drill (runner-drill.sh), when one ran. */
  drill?: DrillResult;
}

/** A restore drill's result: ok, or the first mismatch (message), or skipped (nothing to drill yet). */
export interface DrillResult {
  result: 'ok' | 'failed' | 'skipped';
  time?: string;
  message?: string;
  durationSeconds?: number;
  snapshot?: string;
  files?: number;
  bytes?: number;
}

export interface SetStatus {
  setId: string; // free text id from the inventory ("odoo volume")
  slug: string; // its file/cron-safe name
  latest?: LatestSnapshot;
  lastRun?: LastRun;
  stale: boolean; // newest snapshot older than stale-after, or none at all
  failing: boolean; // last run failed
}

export interface HostSnapshots {
  host: string;
  status: 'ok' | 'failed';
  reason?: string; // why the host could not be read
  sets: SetStatus[];
  /** The repository check's last run, on the one client of a repository that runs it (drill-jobs.ts). */
  check?: LastRun;
  /** The prune's last run, on the one client of a shared repository that prunes it (set-jobs.ts). */
  prune?: LastRun;
  /** Rotation's last run (restic forget); with --prune on a repository of its own. */
  rotation?: LastRun & { prunes?: boolean };
}

/** The maintenance jobs a client's report may carry, by their status record's name. */
export const REPOSITORY_JOBS = ['check', 'prune', 'rotation'] as const;
export type RepositoryJob = (typeof REPOSITORY_JOBS)[number];

export interface SnapshotReport {
  generatedAt: string; // ISO 8601
  staleAfterSeconds: number;
  hosts: HostSnapshots[];
}

/** One line of the final per-host table after plan/apply. */
export interface HostResult {
  host: string;
  outcome: 'ok' | 'changed' | 'failed' | 'skipped';
  changed: number; // changes applied (apply) or planned (plan)
  reason?: string; // for failed/skipped
  durationMs: number;
  roundTrips?: number;
  bytes?: number;
}

/**
 * What a restore did, for the log, the job summary and the `restore` output.
 * Produced by src/restore/; everything here is displayable (no secrets, but
 * `message` and paths may come from the host: escape before embedding).
 */
export interface RestoreReport {
  host: string;
  setId: string;
  /** The snapshot that was (or, on dry-run, would be) restored. */
  snapshot: { id: string; shortId: string; time: string };
  /** 'in-place' or the absolute path on the host the snapshot was restored under. */
  target: string;
  dryRun: boolean;
  /** restored: done and verified; planned: dry-run only; failed: see message (containers were restarted anyway). */
  outcome: 'restored' | 'planned' | 'failed';
  message?: string;
  files?: number;
  bytes?: number;
  durationMs: number;
  /** Snapshot of the volume's previous contents, taken before an in-place restore. */
  safetySnapshotId?: string;
  /** How the restored tree was checked, e.g. "1204 files, sha256 of every file matched". */
  verification?: string;
  containersStopped: string[];
  containersStarted: string[];
}

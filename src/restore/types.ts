/** What `restic-fleet restore` / `command: restore` asks for. */
export interface RestoreRequest {
  host: string; // inventory name
  set: string; // backup set id as written in the inventory (its slug is accepted too)
  snapshot: string; // snapshot id (or unique prefix) | 'latest'
  target: string; // 'in-place' | absolute path on the host
  dryRun: boolean;
}

/** Where the restore job keeps its scripts, status files, logs and swap journals on a host. */
export const RESTORE_DIR = '/var/lib/restic-fleet/restore';

/** A restore fails with this before anything on the host was stopped or changed. */
export class RestoreRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefused';
  }
}

/** One entry of `restic snapshots --json` (restic 0.14 fields we use). */
export interface ResticSnapshot {
  id: string;
  short_id: string;
  time: string;
  paths: string[];
  hostname: string;
  tags: string[];
}

export type RestoreTarget = { kind: 'in-place' } | { kind: 'path'; path: string };

/** A container that uses the volume, as `docker ps -a --filter volume=` shows it. */
export interface VolumeContainer {
  name: string;
  state: string; // running, exited, restarting, paused, created, dead
}

/** The read-only look at the host taken before anything is stopped. */
export interface Preflight {
  resticVersion?: string;
  credentials: boolean; // /etc/restic-fleet/{repository,password} exist
  /** The volume's mountpoint; undefined when the volume does not exist. */
  mountpoint?: string;
  mountpointReal?: string; // realpath of it
  mountpointIsMount: boolean; // a separate mount (volume with driver options): cannot be renamed
  /** "<driver> <number of driver options>", e.g. "local 0"; undefined when the volume does not exist. */
  volumeDriver?: string;
  containers: VolumeContainer[];
  snapshots: { code: number; stdout: string; stderr: string };
  /** `restic snapshots --json <id>` over the whole repository, when a specific id was asked for. */
  lookup?: { code: number; stdout: string; stderr: string };
  /** For a path target: its realpath and whether it exists / is an empty directory. */
  target?: { real: string; state: 'absent' | 'empty' | 'non-empty' | 'not-a-directory' };
}

/** The status file the detached job keeps up to date (see script.ts). */
export interface JobStatus {
  run: string;
  pid?: number;
  mode?: string;
  phase: string;
  outcome: 'running' | 'restored' | 'failed' | 'missing';
  safety?: string;
  files?: number;
  dirs?: number;
  symlinks?: number;
  bytes?: number;
  verification?: string;
  stopped: string[];
  started: string[];
  recovered?: string;
  volumeState?: string; // after a failure: "unchanged" | "restored" | a description
  message?: string;
  start?: string;
  end?: string;
}

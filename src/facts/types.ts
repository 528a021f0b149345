import type { DrillResult } from '../results/types.js';
/** What one probe learned about one host. Plain data: serialisable, no secrets. */
export interface FileFact {
  mode: number; // permission bits, e.g. 0o600
  owner: string;
  group: string;
  sha256: string;
  /** Text content, only for files that are not secret (cron file). */
  content?: string;
}

export interface ContainerFact {
  id: string;
  image: string;
  running: boolean;
  status: string; // "running", "exited", ...
  labels: Record<string, string>;
  env: string[]; // KEY=VALUE as docker reports them (no secrets go into the container env)
  mounts: Array<{ source: string; destination: string }>;
  ports: string[]; // "8000/tcp -> 0.0.0.0:8080"
  networks: string[];
  logDriver: string;
  logOptions: Record<string, string>;
  restartPolicy: string;
}

export type RepoStatus =
  | 'initialised'
  | 'absent' // config file does not exist: safe to init
  | 'unreachable' // connection refused / no such host / timeout
  | 'unauthorized' // HTTP 401 from the REST server: never init
  | 'wrong-password' // repository exists, password does not open it: never init
  | 'locked'
  | 'unchecked' // not checked: its server converges first in this run
  | 'error';

export interface RepoFact {
  status: RepoStatus;
  /** Last lines of restic's stderr (redact before showing). */
  detail: string;
}

export interface ServerFacts {
  dockerVersion?: string; // absent: docker not usable
  dataDir?: FileFact | { mode: number; owner: string; group: string }; // absent: missing
  htpasswd?: string; // current file content (bcrypt hashes), absent when missing
  container?: ContainerFact;
  networkExists: boolean;
}

/** A runner status record (/var/lib/restic-fleet/status/<name>.json) as the probe read it. */
export interface StatusRecord {
  status: string; // "ok", "failed", "running", "skipped"; "unreadable" when the file is not JSON
  start?: string;
  end?: string;
  exit?: number;
  snapshot?: string;
  message?: string;
  /** The newest snapshot a run of this job made, carried over by runs that made none (a failed run keeps it). */
  lastSnapshot?: string;
  lastSnapshotTime?: string;
  /** Written by the runner since issue 13 (set types). */
  type?: string;
  duration?: number;
  filesNew?: number;
  bytesAdded?: number;
  stopped?: string;
  unlocked?: string;
  /** The set's last restore drill (runner-drill.sh). */
  drill?: DrillResult;
}

export interface ClientFacts {
  resticVersion?: string; // "0.14.0"; absent when restic is not installed
  resticPackageVersion?: string; // dpkg version of the restic package, e.g. "0.14.0-1"
  dockerVersion?: string;
  files: Record<string, FileFact | undefined>; // by path
  dirs: Record<string, { mode: number; owner: string } | undefined>;
  volumes: Record<string, { mountpoint: string } | undefined>; // by volume name
  repo: RepoFact;
  /** The runner's last run per job name (set slug, or the rotation job), read by the same probe. */
  statusRecords?: Record<string, StatusRecord>;
  /** The backup sets the host's cron file runs (undefined when it has none): see parseCronSets. */
  cronSets?: CronSetFact[];
  /** Made up from a desired state (the offline plan), not read from a host: says nothing about its docker volumes. */
  synthesised?: true;
}

/** A backup set's job in the host's cron file: its slug (the runner's --set) and the free-text id noted above it. */
export interface CronSetFact {
  slug: string;
  id?: string;
}

export interface HostFacts {
  host: string;
  uid: number; // effective uid of the probe (0 with become or root)
  /** Counter bumped by every apply that changed the host: a plan made before another run's apply is stale. */
  generation?: string;
  server?: ServerFacts;
  client?: ClientFacts;
}

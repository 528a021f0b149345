import type { BackupSetConfig, ConnectionConfig, RotationConfig } from '../inventory/config.js';
import type { MaybeSecret, Secret } from '../secret.js';
import type { PruneJob } from './set-jobs.js';
import type { CheckConfig } from '../inventory/drill-check.js';

/** Per-host desired state: pure output of the inventory, shown (redacted) by `render`. */
export interface DesiredHost {
  name: string;
  connection: ConnectionConfig;
  server?: DesiredServer;
  client?: DesiredClient;
}

export interface DesiredFile {
  path: string;
  mode: number; // e.g. 0o600
  owner: string; // always root for now
  /** Secret content is only revealed into the remote file through stdin. */
  content: MaybeSecret;
  /** sha256 hex of the content; compared against the host's file hash (secret hashes are never shown). */
  sha256: string;
  description: string;
}

export interface HtpasswdUser {
  user: string;
  password: Secret;
  /** Who needs this user: "restic_server_user", "restic_server_users[1]", or client host names. */
  usedBy: string[];
}

export interface ContainerSpec {
  name: string;
  image: string;
  ports: Array<{ hostPort: number; containerPort: number }>;
  binds: Array<{ source: string; target: string }>;
  networks: string[];
  logDriver?: string;
  logOptions: Record<string, string>;
  restartPolicy: 'unless-stopped';
  env: Record<string, string>;
  labels: Record<string, string>;
  /** sha256 over everything above; stored in a label so the container is recreated only when it changed. */
  specHash: string;
}

export interface DesiredServer {
  dataDir: string;
  htpasswdPath: string;
  users: HtpasswdUser[];
  network?: string;
  container: ContainerSpec;
  /** How long apply waits for a (re)started container to answer HTTP on its published port. */
  readyTimeoutSeconds: number;
  /** Client hosts whose repositories live on this server. */
  clients: string[];
}

export interface RepositoryRef {
  /** Canonical identity: "http://server.example.com:8080/backup" (no credentials). */
  key: string;
  /** Full restic URL with credentials: goes only into the 0600 repository file. */
  url: MaybeSecret;
  /** The repository password (restic_repo_password). */
  password: Secret;
  /** The URL shown to humans: rest:http://admin:***@server.example.com:8080/backup */
  display: string;
  /** Inventory name of the server host serving it, when it is in the inventory. */
  serverHost?: string;
  /** Every client (sorted) using this repository; more than one means shared (initialised once: see plan/). */
  sharedBy: string[];
}

export interface DesiredBackupSet extends BackupSetConfig {
  /** Name safe for files, locks and cron: derived from the free-text id. */
  slug: string;
}

/** One job of the client's cron file, as values (the file's text is rendered from these). */
export interface CronJob {
  /** The backup set's free-text id; absent for rotation. */
  setId?: string;
  /** Log name: the set's slug, or "rotation". */
  name: string;
  minute: string;
  hour: string;
  /** Day of the week (cron field) for weekly jobs (drills, checks); absent: every day. */
  weekday?: string;
  /** The runner's arguments, one word each (quoted when the file is rendered). */
  args: string[];
  /** The line above the job in the file (free text, made one line when rendered). */
  comment: string;
}

export interface DesiredClient {
  package?: string;
  repository: RepositoryRef;
  sets: DesiredBackupSet[];
  rotation?: RotationConfig;
  /** The cron file's jobs (CRON_FILE in `files` is rendered from them). */
  cron: CronJob[];
  /** The prune job of the one client that prunes a shared repository (set-jobs.ts). */
  prune?: PruneJob;
  /** The restic check job of the repository's designated client (drill-jobs.ts). */
  check?: CheckConfig;
  /** Directories restic-fleet owns on the client (created before the files). */
  dirs: Array<{ path: string; mode: number }>;
  /** Credential files, the runner script and the cron file, in write order. */
  files: DesiredFile[];
}

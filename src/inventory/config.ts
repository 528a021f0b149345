import type { Secret } from '../secret.js';
import type { CheckConfig } from './drill-check.js';
import type { SetType, SetTypeFields } from './set-types.js';
import type { SourcePos } from './types.js';

/** Validated, typed configuration of one host: what the schema produces from HostVars. */
export interface HostConfig {
  name: string; // inventory_hostname
  groupNames: string[];
  connection: ConnectionConfig;
  /** Present when restic_server_image is defined (as the seed's restic-server role). */
  server?: ServerConfig;
  /** Present when restic_repo is defined (the seed's restic-client role, package optional). */
  client?: ClientConfig;
  /** Positions of the keys, for diagnostics raised after validation (desired state). */
  posOf(path: (string | number)[]): SourcePos | undefined;
}

export interface ConnectionConfig {
  host: string; // ansible_host, default inventory_hostname
  port: number; // ansible_port, default 22
  user: string; // ansible_user, default root
  become: boolean; // ansible_become: commands run through `sudo -n`
  /** restic_fleet_jump_host: "user@host:port" of a bastion, or undefined. */
  jumpHost?: { host: string; port: number; user: string };
  connectTimeoutSeconds: number; // restic_fleet_connect_timeout, default 15
  commandTimeoutSeconds: number; // restic_fleet_command_timeout, default 600
}

export interface ServerConfig {
  image: string; // restic_server_image
  containerName: string; // restic_server_hostname, default "restic-server"
  port: number; // restic_server_port (host side; container listens on 8000)
  backupDir: string; // restic_server_backup_dir, default /srv/restic
  /** restic_server_user/password plus restic_server_users (extra list). */
  users: Array<{ user: string; password: Secret }>;
  network?: string; // docker_network_name
  logDriver?: string; // docker_log_driver
  logOptions: Record<string, string>; // max-size / max-file from docker_log_max_size/_file
  /** restic_server_options: extra rest-server flags (--append-only, --private-repos, ...), passed in OPTIONS. */
  options: string[];
  /** restic_server_ready_timeout: seconds apply waits for a (re)started server to answer HTTP (default 30). */
  readyTimeoutSeconds: number;
}

/** A backup set: the common fields, plus its type's own (set-types.ts; volume only for docker-volume). */
export interface BackupSetConfig extends SetTypeFields {
  id: string; // free text, e.g. "odoo volume"
  type: SetType;
  tags: string[];
  hour: string; // cron field, validated; default "1"? see schema
  minute: string;
}

export interface RotationConfig {
  daily: number;
  weekly: number;
  monthly: number;
  hour: string; // restic_backup_rotation.hour, default "23"
  minute: string; // restic_backup_rotation.minute, default staggered per host
  prune: boolean; // restic_backup_rotation.prune, default true
}

export interface ClientConfig {
  package?: string; // restic_client_package, e.g. "restic=0.14.0-1"
  /** restic_repo as written: "server.example.com:8080/backup" or a full "rest:http(s)://host:port/path". */
  repo: string;
  user?: string; // restic_client_user (HTTP basic auth user on the rest-server)
  password?: Secret; // restic_client_password
  repoPassword: Secret; // restic_repo_password
  sets: BackupSetConfig[];
  rotation?: RotationConfig;
  /** restic_textfile_path: node_exporter textfile the runner writes after every job (opt-in). */
  textfilePath?: string;
  /** restic_check: the scheduled restic check (absent = the weekly 5 % default, false = none). */
  check?: CheckConfig | false;
}

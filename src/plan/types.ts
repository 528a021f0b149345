/**
 * A plan is a value: printed for review, serialised, hashed, then applied exactly.
 * Everything here is displayable — secrets never enter a Change (secret files show
 * as "content changed (secret)", never their content or hash).
 */
export type ChangeAction = 'create' | 'update' | 'delete' | 'run';

export type ChangeKind =
  | 'package' // restic installed through apt
  | 'directory'
  | 'file' // credentials, runner script, cron file, htpasswd
  | 'htpasswd-user'
  | 'network'
  | 'container'
  | 'repository'; // restic init

export interface Change {
  /** Stable identity within the host, e.g. "file:/etc/cron.d/restic-fleet", "htpasswd-user:admin". */
  id: string;
  kind: ChangeKind;
  action: ChangeAction;
  /** One line for humans: "update /etc/cron.d/restic-fleet (0644 root:root)". */
  summary: string;
  /** Displayable before/after text (cron lines, container spec); absent for secret content. */
  before?: string;
  after?: string;
  /** Set when the change destroys or removes something: "recreates container restic01". */
  destructive?: string;
}

export type HostRole = 'server' | 'client';

export interface HostPlan {
  host: string; // inventory_hostname
  roles: HostRole[];
  /** ok: facts read and diffed; failed: could not read facts (unreachable, refused key...); skipped: depends on a failed host. */
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  changes: Change[];
  warnings: string[];
}

export interface Plan {
  version: 1;
  /** true when built without reading live hosts (no SSH key: desired vs. desired of the base branch). */
  offline: boolean;
  hosts: HostPlan[]; // sorted by host name
  /** sha256 over the canonical JSON of `hosts` (stable across runs for the same inventory and live state). */
  hash: string;
}

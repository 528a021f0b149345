import type { ContainerSpec } from '../desired/types.js';
import type { MaybeSecret } from '../secret.js';

/**
 * What apply executes for a change. Ops stay inside the process (they hold file
 * contents and fresh bcrypt hashes); the Change beside them is what gets shown.
 */
export type Op =
  | { op: 'apt-install'; pkg: string }
  | { op: 'mkdir'; path: string; mode: number }
  | { op: 'write-file'; path: string; mode: number; content: MaybeSecret }
  | { op: 'network-create'; name: string }
  | { op: 'container-run'; spec: ContainerSpec; replace: boolean }
  | { op: 'container-start'; name: string }
  /** After a (re)start: wait until the server answers HTTP on its published port, seen from the host itself. */
  | { op: 'await-http'; container: string; port: number; timeoutSeconds: number }
  /** SIGHUP to a running rest-server: it re-reads .htpasswd at once (by itself only within 30 s). */
  | { op: 'container-reload'; name: string }
  /** Check the repository and initialise it when truly absent (one client per repository). */
  | { op: 'repo-init' }
  /** Check the repository with the installed credentials, never initialise. */
  | { op: 'repo-verify' }
  /** First op of a host that changes: stop if another run changed the host since it was probed. */
  | { op: 'guard-generation'; generation: string }
  /** Last op of a host that changed: mark it changed for runs that probed it before. */
  | { op: 'bump-generation' };

export interface PlannedChange {
  changeId: string; // Change.id this op belongs to ("" for bookkeeping ops such as repo-verify)
  op: Op;
  /** Further changes this op carries out (htpasswd users are realised by writing the file). */
  covers?: string[];
}

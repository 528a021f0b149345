import type { ConnectionConfig } from '../inventory/config.js';
import type { DesiredHost } from '../desired/types.js';

/**
 * A pull request is untrusted text: a plan on it must not send live credentials where the PR
 * says. Compared with the base branch, a host that is new, or whose connection changed, is
 * not contacted at all (planned from the base's desired state); a client whose repository
 * changed is probed without the repository check, so its HTTP and repository credentials
 * never go to the new URL. The reason is shown on the host in the plan.
 */
export interface Untrusted {
  /** Hosts planned without SSH, with why. */
  offline: Map<string, string>;
  /** Clients probed without the live repository check, with why. */
  noRepoCheck: Map<string, string>;
}

export const NEW_DESTINATION = 'new destination: not contacted with credentials';

const connectionKey = (c: ConnectionConfig): string =>
  JSON.stringify([c.host, c.port, c.user, c.become, c.jumpHost ? [c.jumpHost.host, c.jumpHost.port, c.jumpHost.user] : null]);

/** base undefined: the base branch's inventory could not be read, so nothing in the PR is trusted. */
export function untrustedDestinations(head: DesiredHost[], base: DesiredHost[] | undefined, baseUnavailable?: string): Untrusted {
  const out: Untrusted = { offline: new Map(), noRepoCheck: new Map() };
  const byName = new Map((base ?? []).map((d) => [d.name, d]));
  for (const d of head) {
    const b = byName.get(d.name);
    if (!base) out.offline.set(d.name, `${NEW_DESTINATION} (${baseUnavailable ?? "the base branch's inventory could not be read"}; planned from the inventory only)`);
    else if (!b) out.offline.set(d.name, `${NEW_DESTINATION} (a host new in this pull request; planned from the inventory only)`);
    else if (connectionKey(d.connection) !== connectionKey(b.connection)) {
      out.offline.set(d.name, `${NEW_DESTINATION} (its ansible_host/port/user or jump host changed in this pull request; planned from the base branch's state)`);
    } else if (d.client && d.client.repository.key !== b.client?.repository.key) {
      out.noRepoCheck.set(d.name, `${NEW_DESTINATION} (restic_repo changed in this pull request to ${d.client.repository.key}; the repository was not checked)`);
    }
  }
  return out;
}

/** Why each untrusted host was not contacted (or not repo-checked), first among its warnings (outside the hash). */
export function addTrustWarnings(hosts: Array<{ host: string; warnings: string[] }>, untrusted?: Untrusted): void {
  for (const h of hosts) {
    const why = untrusted?.offline.get(h.host) ?? untrusted?.noRepoCheck.get(h.host);
    if (why) h.warnings.unshift(why);
  }
}

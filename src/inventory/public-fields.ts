/**
 * No secret in a public field, in any spelling. Templating from a secret is caught where
 * the value is prepared (schema-checks.ts: a Secret in a public field); this catches the
 * same secret *written out* in a public field (a password pasted into a tag, a set id or
 * a host name), in any case and URL-encoded, because restic-fleet lower-cases and slugs
 * public text before it reaches plans, cron files and logs, past the runner's masking.
 */
import { isPlaceholderSecret } from './resolve.js';
import { isSecret, MIN_MASK_LENGTH, type Secret } from '../secret.js';
import type { HostConfig } from './config.js';
import { keyPath } from './raw.js';
import type { Diagnostic, HostVars, VarValue } from './types.js';

type Path = (string | number)[];

/** Every public text of a validated host, with the variable path it came from. */
export function publicFields(h: HostConfig): Array<{ path: Path; value: string }> {
  const out: Array<{ path: Path; value: string }> = [{ path: [], value: h.name }];
  const add = (path: Path, value: string | undefined) => {
    if (value) out.push({ path, value });
  };
  add(['ansible_host'], h.connection.host === h.name ? undefined : h.connection.host);
  add(['ansible_user'], h.connection.user);
  if (h.connection.jumpHost) add(['restic_fleet_jump_host'], `${h.connection.jumpHost.user}@${h.connection.jumpHost.host}`);
  const s = h.server;
  if (s) {
    add(['restic_server_image'], s.image);
    add(['restic_server_hostname'], s.containerName);
    add(['restic_server_backup_dir'], s.backupDir);
    add(['docker_network_name'], s.network);
    add(['docker_log_driver'], s.logDriver);
    s.users.forEach((u, i) => add(i === 0 ? ['restic_server_user'] : ['restic_server_users', i - 1, 'user'], u.user));
    s.options.forEach((o, i) => add(['restic_server_options', i], o));
  }
  const c = h.client;
  if (c) {
    add(['restic_repo'], c.repo);
    add(['restic_client_user'], c.user);
    add(['restic_client_package'], c.package);
    c.sets.forEach((set, i) => {
      add(['restic_backup_sets', i, 'id'], set.id);
      add(['restic_backup_sets', i, 'volume'], set.volume);
      set.tags.forEach((t, j) => add(['restic_backup_sets', i, 'tags', j], t));
    });
  }
  return out;
}

/** The secrets of this inventory: every Secret in the hosts' variables and configs (offline placeholders excepted). */
function inventorySecrets(vars: HostVars[], hosts: HostConfig[]): Secret[] {
  const found = new Map<string, Secret>();
  const walk = (v: VarValue | undefined): void => {
    if (isSecret(v)) {
      if (!isPlaceholderSecret(v) && v.reveal().length >= MIN_MASK_LENGTH) found.set(v.reveal(), v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const h of vars) walk(h.vars as VarValue);
  for (const h of hosts) {
    h.server?.users.forEach((u) => walk(u.password));
    walk(h.client?.password);
    walk(h.client?.repoPassword);
  }
  return [...found.values()];
}

/** An error for each public field that contains a secret of the inventory (any case, or URL-encoded). */
export function checkSecretsInPublicFields(vars: HostVars[], hosts: HostConfig[]): Diagnostic[] {
  const secrets = inventorySecrets(vars, hosts).map((s) => ({
    origin: s.origin,
    forms: [...new Set([s.reveal(), encodeURIComponent(s.reveal())].map((f) => f.toLowerCase()))],
  }));
  if (!secrets.length) return [];
  const out: Diagnostic[] = [];
  for (const h of hosts) {
    for (const { path, value } of publicFields(h)) {
      const text = value.toLowerCase();
      const hit = secrets.find((s) => s.forms.some((f) => text.includes(f)));
      if (!hit) continue;
      const d: Diagnostic = {
        severity: 'error',
        message: `contains the value of a secret (${hit.origin}): ${path.length ? keyPath(path) : 'the host name'} is public (shown in plans, logs and files), so no secret may appear in it`,
      };
      if (path.length) d.key = keyPath(path);
      const pos = h.posOf(path);
      if (pos) d.pos = pos;
      out.push(d);
    }
  }
  return out;
}

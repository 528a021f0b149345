import { createHash } from 'node:crypto';
import type { ClientConfig, ConnectionConfig, HostConfig, RotationConfig, ServerConfig, BackupSetConfig } from './config.js';
import { dedupeDiagnostics } from './diagnostics.js';
import { mixedScripts } from './host-name.js';
import { HostValidation } from './host-validation.js';
import { checkSetTypes } from './set-types.js';
import { checkResticCheck } from './drill-check.js';
import { checkSecretsInPublicFields } from './public-fields.js';
import { unresolvedPaths } from './loader.js';
import { checkPair, checkServerUniqueness, checkUniqueSetIds, checkUnknownKeys, prepareVars } from './schema-checks.js';
import { clientSchema, connectionSchema, serverSchema } from './schema-shapes.js';
import type { Diagnostic, HostVars, LoadedInventory, VarValue } from './types.js';
import { hostname, Issue, jumpHost } from './validators.js';

export { KNOWN_RESTIC_VARS, SET_TYPES } from './schema-shapes.js';

/** Rotation minute when not set: spread hosts over the hour (sha256 of the host name, first 4 bytes, mod 60). */
export const staggeredMinute = (host: string): string => String(createHash('sha256').update(host).digest().readUInt32BE(0) % 60);

/**
 * Validates every host's variables into HostConfig. Hosts with errors are left
 * out of `hosts`; every problem (errors and warnings) is in `diagnostics`.
 */
export function validateHosts(inv: LoadedInventory): { hosts: HostConfig[]; diagnostics: Diagnostic[] } {
  const hosts: HostConfig[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const h of inv.hosts) {
    const r = validateHost(h);
    diagnostics.push(...r.diagnostics);
    if (r.host) hosts.push(r.host);
  }
  // After every host: a secret of one host written into another host's public field counts too.
  diagnostics.push(...checkSecretsInPublicFields(inv.hosts, hosts));
  return { hosts, diagnostics: dedupeDiagnostics(diagnostics) };
}

export function validateHost(h: HostVars): { host?: HostConfig; diagnostics: Diagnostic[] } {
  const v = new HostValidation(h);
  const vars = prepareVars(h, v);
  checkUnknownKeys(h, vars, v);

  const conn = v.parse(connectionSchema, vars);
  let connection: ConnectionConfig | undefined;
  if (conn) {
    connection = {
      host: conn.ansible_host ?? h.name,
      port: conn.ansible_port!,
      user: conn.ansible_user!,
      become: conn.ansible_become!,
      connectTimeoutSeconds: conn.restic_fleet_connect_timeout!,
      commandTimeoutSeconds: conn.restic_fleet_command_timeout!,
    };
    if (!conn.ansible_host) {
      const check = hostname(h.name);
      if (check instanceof Issue) v.add('error', [], `the host name is used to connect (no ansible_host) but ${check.message}`);
    }
    if (conn.restic_fleet_jump_host !== undefined && conn.restic_fleet_jump_host !== null) {
      const j = jumpHost(connection.user)(conn.restic_fleet_jump_host);
      if (j instanceof Issue) v.add('error', ['restic_fleet_jump_host'], j.message);
      else connection.jumpHost = j;
    }
  }

  const isServer = vars.restic_server_image !== undefined && vars.restic_server_image !== null;
  const isClient = (vars.restic_repo !== undefined && vars.restic_repo !== null) || unresolvedPaths(h).some((p) => p[0] === 'restic_repo');
  const server = isServer ? buildServer(v, vars) : undefined;
  const client = isClient ? buildClient(v, vars) : undefined;

  if (v.errorCount || !connection) return { diagnostics: v.diagnostics };
  const host: HostConfig = { name: h.name, groupNames: h.groupNames, connection, posOf: h.posOf };
  if (server) host.server = server;
  if (client) host.client = client;
  return { host, diagnostics: v.diagnostics };
}

function buildServer(v: HostValidation, vars: Record<string, VarValue>): ServerConfig | undefined {
  checkPair(v, vars, 'restic_server_user', 'restic_server_password', 'the user name', "the user's password");
  checkServerUniqueness(v, vars);
  const s = v.parse(serverSchema, vars);
  if (!s) return undefined;
  const users: ServerConfig['users'] = [];
  if (s.restic_server_user && s.restic_server_password) users.push({ user: s.restic_server_user, password: s.restic_server_password });
  for (const u of s.restic_server_users ?? []) users.push({ user: u.user, password: u.password });
  const usersUnresolved = ['restic_server_user', 'restic_server_password', 'restic_server_users'].some((k) => v.skipped([k]));
  if (users.length === 0 && !usersUnresolved) {
    v.add('warning', ['restic_server_image'], 'the server has no users (restic_server_user/restic_server_password or restic_server_users): no client can authenticate');
  }
  const logOptions: Record<string, string> = {};
  if (s.docker_log_max_size) logOptions['max-size'] = s.docker_log_max_size;
  if (s.docker_log_max_file !== undefined) logOptions['max-file'] = String(s.docker_log_max_file);
  const server: ServerConfig = {
    image: s.restic_server_image,
    containerName: s.restic_server_hostname!,
    port: s.restic_server_port!,
    backupDir: s.restic_server_backup_dir!,
    users,
    logOptions,
    options: s.restic_server_options ?? [],
    readyTimeoutSeconds: s.restic_server_ready_timeout!,
  };
  if (s.docker_network_name) server.network = s.docker_network_name;
  if (s.docker_log_driver) server.logDriver = s.docker_log_driver;
  return server;
}

function buildClient(v: HostValidation, vars: Record<string, VarValue>): ClientConfig | undefined {
  checkPair(v, vars, 'restic_client_user', 'restic_client_password', 'the rest-server user name', "the rest-server user's password");
  checkUniqueSetIds(v, vars);
  // Type-dependent set fields, on the raw values: reported beside every other error.
  const typeFields = checkSetTypes(vars.restic_backup_sets, (sev, p, m) => v.add(sev, p, m));
  const check = checkResticCheck(vars.restic_check, (sev, p, m) => v.add(sev, p, m));
  const c = v.parse(clientSchema, vars);
  if (!c) return undefined;
  (c.restic_backup_sets ?? []).forEach((s, i) => {
    const mixed = mixedScripts(s.id);
    if (mixed) v.add('warning', ['restic_backup_sets', i, 'id'], `${mixed}: ids that look alike may be different sets (a look-alike letter from another script)`);
  });
  const sets: BackupSetConfig[] = (c.restic_backup_sets ?? []).map((s, i) => ({
    ...typeFields[i],
    id: s.id,
    type: s.type,
    tags: s.tags ?? [],
    hour: s.hour!,
    minute: s.minute!,
  }));
  const client: ClientConfig = { repo: c.restic_repo.trim(), repoPassword: c.restic_repo_password, sets };
  if (c.restic_client_package) client.package = c.restic_client_package;
  if (c.restic_client_user) client.user = c.restic_client_user;
  if (c.restic_client_password) client.password = c.restic_client_password;
  if (c.restic_textfile_path) client.textfilePath = c.restic_textfile_path;
  client.check = check;
  const r = c.restic_backup_rotation;
  if (r) {
    if (r.daily === 0 && r.weekly === 0 && r.monthly === 0) {
      v.add('error', ['restic_backup_rotation'], 'keeps nothing: set at least one of daily, weekly, monthly above 0 (or remove restic_backup_rotation to never forget snapshots)');
    }
    const rotation: RotationConfig = {
      daily: r.daily!,
      weekly: r.weekly!,
      monthly: r.monthly!,
      hour: r.hour!,
      minute: r.minute ?? staggeredMinute(v.h.name),
      prune: r.prune!,
    };
    client.rotation = rotation;
  }
  return client;
}


/**
 * Validation of a host's variables into HostConfig: one pass, top to bottom.
 *   1. prepare: plain-text passwords become Secrets (a warning); a secret in a public field is an error
 *   2. unknown restic_* variables, unknown keys in backup sets, rotation and users
 *   3. connection (ansible_*, restic_fleet_*)
 *   4. server (restic_server_*, docker_*), when restic_server_image is set
 *   5. client (restic_repo, backup sets, rotation), when restic_repo is set
 * What each field is comes from schema.ts (tables), value rules from validators.ts.
 * Positions, and the paths the loader already reported, come with the host (HostVars).
 */
import { checkResticCheck } from './drill-check.js';
import { checkSetTypes } from './set-types.js';
import { createHash } from 'node:crypto';
import { isSecret, Secret } from '../secret.js';
import type { BackupSetConfig, ClientConfig, ConnectionConfig, HostConfig, ServerConfig } from './config.js';
import { dedupeDiagnostics } from './diagnostics.js';
import { mixedScripts } from './host-name.js';
import { checkSecretsInPublicFields } from './public-fields.js';
import { fmtPos, keyPath } from './raw.js';
import {
  clientShape,
  connectionShape,
  isMapping,
  isPasswordPath,
  KNOWN_RESTIC_VARS,
  readShape,
  rotationShape,
  serverShape,
  setShape,
  userShape,
  type Read,
  type Shape,
} from './schema.js';
import { didYouMean } from './suggest.js';
import type { Diagnostic, HostVars, LoadedInventory, Path, SourcePos, VarValue } from './types.js';
import { hostname, Issue, jumpHost, serverOption } from './validators.js';

type Vars = Record<string, VarValue>;

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
  const f = new Findings(h);
  const vars = prepareVars(h, f);
  checkUnknownKeys(h, vars, f);
  const connection = readConnection(h, vars, f);
  const server = present(vars.restic_server_image) ? readServer(vars, f) : undefined;
  const isClient = present(vars.restic_repo) || h.unresolved.some((p) => p[0] === 'restic_repo');
  const client = isClient ? readClient(h, vars, f) : undefined;

  if (f.errors || !connection) return { diagnostics: f.diagnostics };
  const host: HostConfig = { name: h.name, groupNames: h.groupNames, connection, posOf: h.posOf };
  if (server) host.server = server;
  if (client) host.client = client;
  return { host, diagnostics: f.diagnostics };
}

const present = (v: VarValue | undefined): boolean => v !== undefined && v !== null;

/** One host's diagnostics; silent about paths the loader already reported (and those reported once here). */
class Findings {
  readonly diagnostics: Diagnostic[] = [];
  errors = 0;
  private readonly skip: Path[];

  constructor(private readonly h: HostVars) {
    this.skip = [...h.unresolved];
  }

  skipped(path: Path): boolean {
    return this.skip.some((s) => s.length <= path.length && s.every((seg, i) => seg === path[i]));
  }

  add(severity: Diagnostic['severity'], path: Path, message: string, pos?: SourcePos): void {
    if (this.skipped(path)) return;
    const d: Diagnostic = { severity, message };
    if (path.length) d.key = keyPath(path);
    const at = pos ?? this.h.posOf(path);
    if (at) d.pos = at;
    this.diagnostics.push(d);
    if (severity === 'error') this.errors++;
  }

  /** An error at a path, then silence about the path and below it: one error per mistake. */
  reportOnce(path: Path, message: string): void {
    this.add('error', path, message);
    this.skip.push(path);
  }

  /** The shape's fields of `vars`, or undefined when any is wrong (reported, unless the loader did already). */
  read<S extends Shape>(shape: S, vars: Vars): Read<S> | undefined {
    let problems = 0;
    const r = readShape(shape, vars, [], (path, message) => {
      problems++;
      this.add('error', path, message);
    });
    return problems ? undefined : r;
  }

  where(path: Path): string {
    const p = this.h.posOf(path);
    return p ? fmtPos(p) : 'unknown position';
  }
}

// ---- 1. prepare ----------------------------------------------------------------------

/**
 * Copies the variables restic-fleet reads, normalising secrets:
 * - passwords written as plain text become Secrets (with a warning: use vault or env);
 * - Secrets (vault, env) in fields that are not secret are an error (those values end
 *   up in plans, container specs and cron files); the value is revealed only so the
 *   other checks can still run (their messages go through redaction).
 */
function prepareVars(h: HostVars, f: Findings): Vars {
  const out: Vars = {};
  for (const [name, value] of Object.entries(h.vars)) out[name] = normalise(value, [name], h, f);
  return out;
}

function normalise(value: VarValue, path: Path, h: HostVars, f: Findings): VarValue {
  const top = String(path[0]);
  const checked = top.startsWith('restic_') || top.startsWith('docker_') || top.startsWith('ansible_');
  if (!checked) return value;
  if (isPasswordPath(path)) {
    if (typeof value === 'string' || typeof value === 'number') {
      const pos = h.posOf(path);
      const what = path[2] === 'ping_url' ? 'ping URL (a secret)' : 'password';
      f.add('warning', path, `${what} written in plain text in the inventory: encrypt it with ansible-vault or reference an environment variable ("{{ vault_... }}")`);
      return new Secret(String(value), `inventory ${pos ? fmtPos(pos) : keyPath(path)}`);
    }
    return value;
  }
  if (isSecret(value)) {
    // Public fields end up in plans, logs, summaries, comments, the 0644 cron file and
    // container specs: a secret there would leak, lower-cased or slugged past masking.
    f.reportOnce(path, `comes from a secret (${value.origin}), but ${keyPath(path)} is public (shown in plans, logs and files): a secret may not be used here`);
    return value.reveal();
  }
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item, i) => {
      const n = normalise(item, [...path, i], h, f);
      changed ||= n !== item;
      return n;
    });
    return changed ? items : value;
  }
  if (value && typeof value === 'object') {
    let changed = false;
    const o: Vars = {};
    for (const [k, item] of Object.entries(value)) {
      o[k] = normalise(item, [...path, k], h, f);
      changed ||= o[k] !== item;
    }
    return changed ? o : value;
  }
  return value;
}

// ---- 2. unknown names ------------------------------------------------------------------

/** Unknown restic_* variables and unknown keys inside backup sets / rotation / users: errors with "did you mean". */
function checkUnknownKeys(h: HostVars, vars: Vars, f: Findings): void {
  for (const name of Object.keys(vars)) {
    if (!name.startsWith('restic_') || KNOWN_RESTIC_VARS.has(name)) continue;
    const hint = didYouMean(name, KNOWN_RESTIC_VARS) || ' (restic_* variables are reserved for restic-fleet; see docs/inventory.md for the list)';
    f.add('error', [name], `unknown variable "${name}"${hint}`, h.keyPosOf([name]));
  }
  const nested = (path: Path, value: VarValue | undefined, known: string[]) => {
    if (!isMapping(value) || isSecret(value)) return;
    for (const k of Object.keys(value)) {
      if (known.includes(k)) continue;
      const p = [...path, k];
      f.add('error', p, `unknown key "${k}"${didYouMean(k, known) || ` (known: ${known.join(', ')})`}`, h.keyPosOf(p));
    }
  };
  const sets = vars.restic_backup_sets;
  if (Array.isArray(sets)) sets.forEach((s, i) => nested(['restic_backup_sets', i], s, Object.keys(setShape(isMapping(s) ? s.type : undefined))));
  nested(['restic_backup_rotation'], vars.restic_backup_rotation, Object.keys(rotationShape));
  const users = vars.restic_server_users;
  if (Array.isArray(users)) users.forEach((u, i) => nested(['restic_server_users', i], u, Object.keys(userShape)));
}

// ---- 3. connection -----------------------------------------------------------------------

function readConnection(h: HostVars, vars: Vars, f: Findings): ConnectionConfig | undefined {
  const c = f.read(connectionShape, vars);
  if (!c) return undefined;
  const connection: ConnectionConfig = {
    host: c.ansible_host ?? h.name,
    port: c.ansible_port,
    user: c.ansible_user,
    become: c.ansible_become,
    connectTimeoutSeconds: c.restic_fleet_connect_timeout,
    commandTimeoutSeconds: c.restic_fleet_command_timeout,
  };
  if (!c.ansible_host) {
    const check = hostname(h.name);
    if (check instanceof Issue) f.add('error', [], `the host name is used to connect (no ansible_host) but ${check.message}`);
  }
  if (present(c.restic_fleet_jump_host as VarValue)) {
    const j = jumpHost(connection.user)(c.restic_fleet_jump_host);
    if (j instanceof Issue) f.add('error', ['restic_fleet_jump_host'], j.message);
    else connection.jumpHost = j;
  }
  return connection;
}

// ---- 4. server ---------------------------------------------------------------------------

function readServer(vars: Vars, f: Findings): ServerConfig | undefined {
  checkPair(f, vars, 'restic_server_user', 'restic_server_password', 'the user name', "the user's password");
  checkServerUniqueness(f, vars);
  const s = f.read(serverShape, vars);
  if (!s) return undefined;
  const users: ServerConfig['users'] = [];
  if (s.restic_server_user && s.restic_server_password) users.push({ user: s.restic_server_user, password: s.restic_server_password });
  for (const u of s.restic_server_users ?? []) users.push({ user: u.user, password: u.password });
  const usersUnresolved = ['restic_server_user', 'restic_server_password', 'restic_server_users'].some((k) => f.skipped([k]));
  if (users.length === 0 && !usersUnresolved) {
    f.add('warning', ['restic_server_image'], 'the server has no users (restic_server_user/restic_server_password or restic_server_users): no client can authenticate');
  }
  const logOptions: Record<string, string> = {};
  if (s.docker_log_max_size) logOptions['max-size'] = s.docker_log_max_size;
  if (s.docker_log_max_file !== undefined) logOptions['max-file'] = String(s.docker_log_max_file);
  const server: ServerConfig = {
    image: s.restic_server_image,
    containerName: s.restic_server_hostname,
    port: s.restic_server_port,
    backupDir: s.restic_server_backup_dir,
    users,
    logOptions,
    options: s.restic_server_options ?? [],
    readyTimeoutSeconds: s.restic_server_ready_timeout,
  };
  if (s.docker_network_name) server.network = s.docker_network_name;
  if (s.docker_log_driver) server.logDriver = s.docker_log_driver;
  return server;
}

/** A user needs a password and a password a user (on the raw values, reported beside any other error). */
function checkPair(f: Findings, vars: Vars, user: string, password: string, userWhat: string, passwordWhat: string): void {
  const has = (k: string) => present(vars[k]) || f.skipped([k]);
  if (has(user) && !has(password)) f.add('error', [password], `is required with ${user} (${passwordWhat})`);
  if (!has(user) && has(password)) f.add('error', [user], `is required with ${password} (${userWhat})`);
}

/** Duplicate users and options (on the raw values, reported beside any other error). */
function checkServerUniqueness(f: Findings, vars: Vars): void {
  const userAt = new Map<string, Path>();
  const user = (name: VarValue | undefined, path: Path) => {
    if (typeof name !== 'string') return;
    const prev = userAt.get(name);
    if (prev) f.add('error', path, `duplicate user "${name}": ${keyPath(prev)} at ${f.where(prev)} defines it already`);
    else userAt.set(name, path);
  };
  user(vars.restic_server_user, ['restic_server_user']);
  const list = vars.restic_server_users;
  if (Array.isArray(list)) list.forEach((u, i) => isMapping(u) && !isSecret(u) && user(u.user as VarValue, ['restic_server_users', i, 'user']));
  const options = vars.restic_server_options;
  if (Array.isArray(options)) {
    const flagAt = new Map<string, number>();
    options.forEach((o, i) => {
      const normalized = serverOption(o);
      if (normalized instanceof Issue) return;
      const flag = normalized.split('=')[0]!;
      const prev = flagAt.get(flag);
      if (prev !== undefined) f.add('error', ['restic_server_options', i], `${flag} is given twice (also restic_server_options[${prev}])`);
      else flagAt.set(flag, i);
    });
  }
}

// ---- 5. client ---------------------------------------------------------------------------

function readClient(h: HostVars, vars: Vars, f: Findings): ClientConfig | undefined {
  checkPair(f, vars, 'restic_client_user', 'restic_client_password', 'the rest-server user name', "the rest-server user's password");
  checkUniqueSetIds(f, vars);
  const c = f.read(clientShape, vars);
  // The fields that depend on a set's type, checked per type (set-types.ts), beside every other error.
  const typeFields = checkSetTypes(vars.restic_backup_sets, (severity, path, message) => f.add(severity, path, message));
  const check = checkResticCheck(vars.restic_check, (severity, path, message) => f.add(severity, path, message));
  if (!c) return undefined;
  const sets: BackupSetConfig[] = (c.restic_backup_sets ?? []).map((s, i) => {
    const mixed = mixedScripts(s.id);
    if (mixed) f.add('warning', ['restic_backup_sets', i, 'id'], `${mixed}: ids that look alike may be different sets (a look-alike letter from another script)`);
    return { ...typeFields[i], id: s.id, type: s.type, tags: s.tags ?? [], hour: s.hour, minute: s.minute };
  });
  const client: ClientConfig = { repo: c.restic_repo.trim(), repoPassword: c.restic_repo_password, sets };
  if (c.restic_client_package) client.package = c.restic_client_package;
  if (c.restic_client_user) client.user = c.restic_client_user;
  if (c.restic_client_password) client.password = c.restic_client_password;
  if (c.restic_textfile_path) client.textfilePath = c.restic_textfile_path;
  client.check = check;
  const r = c.restic_backup_rotation;
  if (r) {
    if (r.daily === 0 && r.weekly === 0 && r.monthly === 0) {
      f.add('error', ['restic_backup_rotation'], 'keeps nothing: set at least one of daily, weekly, monthly above 0 (or remove restic_backup_rotation to never forget snapshots)');
    }
    client.rotation = { ...r, minute: r.minute ?? staggeredMinute(h.name) };
  }
  return client;
}

/** Set ids are unique per host: the second use is the error, naming where the first is. */
function checkUniqueSetIds(f: Findings, vars: Vars): void {
  const sets = vars.restic_backup_sets;
  if (!Array.isArray(sets)) return;
  const idAt = new Map<string, number>();
  sets.forEach((s, i) => {
    if (!isMapping(s) || isSecret(s)) return;
    const id = s.id;
    if (typeof id !== 'string' && typeof id !== 'number') return;
    const key = String(id);
    const first = idAt.get(key);
    if (first === undefined) {
      idAt.set(key, i);
      return;
    }
    const firstPath = ['restic_backup_sets', first, 'id'];
    f.add('error', ['restic_backup_sets', i, 'id'], `duplicate id "${key}": restic_backup_sets[${first}] at ${f.where(firstPath)} has the same id (ids must be unique per host)`);
  });
}

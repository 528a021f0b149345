import { isSecret, Secret } from '../secret.js';
import { HostValidation, where, type Path } from './host-validation.js';
import { keyPosOf } from './loader.js';
import { fmtPos, keyPath } from './raw.js';
import { KNOWN_RESTIC_VARS, PASSWORD_VARS, rotationShape, setShape, userShape } from './schema-shapes.js';
import { didYouMean } from './suggest.js';
import type { HostVars, VarValue } from './types.js';
import { Issue, serverOption } from './validators.js';

// Checks on the raw values, independent of the zod parse, so that they are
// reported together with every other problem.

/** A user needs a password and a password a user (checked on the raw values, beside any other error). */
export function checkPair(v: HostValidation, vars: Record<string, VarValue>, user: string, password: string, userWhat: string, passwordWhat: string): void {
  const has = (k: string) => (vars[k] !== undefined && vars[k] !== null) || v.skipped([k]);
  if (has(user) && !has(password)) v.add('error', [password], `is required with ${user} (${passwordWhat})`);
  if (!has(user) && has(password)) v.add('error', [user], `is required with ${password} (${userWhat})`);
}

/** Duplicate users and options, checked on the raw values so they are reported alongside any other error. */
export function checkServerUniqueness(v: HostValidation, vars: Record<string, VarValue>): void {
  const userAt = new Map<string, Path>();
  const user = (name: VarValue, path: Path) => {
    if (typeof name !== 'string') return;
    const prev = userAt.get(name);
    if (prev) v.add('error', path, `duplicate user "${name}": ${keyPath(prev)} at ${where(v, prev)} defines it already`);
    else userAt.set(name, path);
  };
  user(vars.restic_server_user ?? null, ['restic_server_user']);
  const list = vars.restic_server_users;
  if (Array.isArray(list)) {
    list.forEach((u, i) => {
      if (u && typeof u === 'object' && !Array.isArray(u) && !isSecret(u)) user((u as Record<string, VarValue>).user ?? null, ['restic_server_users', i, 'user']);
    });
  }
  const options = vars.restic_server_options;
  if (Array.isArray(options)) {
    const flagAt = new Map<string, number>();
    options.forEach((o, i) => {
      const normalized = serverOption(o);
      if (normalized instanceof Issue) return;
      const flag = normalized.split('=')[0]!;
      const prev = flagAt.get(flag);
      if (prev !== undefined) v.add('error', ['restic_server_options', i], `${flag} is given twice (also restic_server_options[${prev}])`);
      else flagAt.set(flag, i);
    });
  }
}

/** Set ids are unique per host: the second use is the error, naming where the first is. */
export function checkUniqueSetIds(v: HostValidation, vars: Record<string, VarValue>): void {
  const sets = vars.restic_backup_sets;
  if (!Array.isArray(sets)) return;
  const idAt = new Map<string, number>();
  sets.forEach((s, i) => {
    if (!s || typeof s !== 'object' || Array.isArray(s) || isSecret(s)) return;
    const id = (s as Record<string, VarValue>).id;
    if (typeof id !== 'string' && typeof id !== 'number') return;
    const key = String(id);
    const first = idAt.get(key);
    if (first === undefined) {
      idAt.set(key, i);
      return;
    }
    const firstPath = ['restic_backup_sets', first, 'id'];
    v.add('error', ['restic_backup_sets', i, 'id'], `duplicate id "${key}": restic_backup_sets[${first}] at ${where(v, firstPath)} has the same id (ids must be unique per host)`);
  });
}

/**
 * Copies the variables restic-fleet reads, normalising secrets:
 * - passwords written as plain text become Secrets (with a warning: use vault or env);
 * - Secrets (vault, env) in fields that are not secret are an error (those values end
 *   up in plans, container specs and cron files); the value is revealed only so the
 *   other checks can still run (their messages go through redaction).
 */
export function prepareVars(h: HostVars, v: HostValidation): Record<string, VarValue> {
  const out: Record<string, VarValue> = {};
  for (const [name, value] of Object.entries(h.vars)) out[name] = normalise(value, [name], h, v);
  return out;
}

function isPasswordPath(path: Path): boolean {
  if (path.length === 1) return PASSWORD_VARS.has(String(path[0]));
  if (path.length === 3 && path[0] === 'restic_backup_sets' && path[2] === 'ping_url') return true; // a ping URL lets anyone report the job's state
  return path.length === 3 && path[0] === 'restic_server_users' && path[2] === 'password';
}

function normalise(value: VarValue, path: Path, h: HostVars, v: HostValidation): VarValue {
  const top = String(path[0]);
  const checked = top.startsWith('restic_') || top.startsWith('docker_') || top.startsWith('ansible_');
  if (!checked) return value;
  if (isPasswordPath(path)) {
    if (typeof value === 'string' || typeof value === 'number') {
      const pos = h.posOf(path);
      v.add(
        'warning',
        path,
        `${path[2] === 'ping_url' ? 'ping URL (a secret)' : 'password'} written in plain text in the inventory: encrypt it with ansible-vault or reference an environment variable ("{{ vault_... }}")`,
      );
      return new Secret(String(value), `inventory ${pos ? fmtPos(pos) : keyPath(path)}`);
    }
    return value;
  }
  if (isSecret(value)) {
    // Public fields end up in plans, logs, summaries, comments, the 0644 cron file and
    // container specs: a secret there would leak, lower-cased or slugged past masking.
    v.reportOnce(path, `comes from a secret (${value.origin}), but ${keyPath(path)} is public (shown in plans, logs and files): a secret may not be used here`);
    return value.reveal();
  }
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item, i) => {
      const n = normalise(item, [...path, i], h, v);
      changed ||= n !== item;
      return n;
    });
    return changed ? items : value;
  }
  if (value && typeof value === 'object') {
    let changed = false;
    const o: Record<string, VarValue> = {};
    for (const [k, item] of Object.entries(value)) {
      o[k] = normalise(item, [...path, k], h, v);
      changed ||= o[k] !== item;
    }
    return changed ? o : value;
  }
  return value;
}

/** Unknown restic_* variables and unknown keys inside backup sets / rotation: errors with "did you mean". */
export function checkUnknownKeys(h: HostVars, vars: Record<string, VarValue>, v: HostValidation): void {
  for (const name of Object.keys(vars)) {
    if (!name.startsWith('restic_') || KNOWN_RESTIC_VARS.has(name)) continue;
    v.add('error', [name], `unknown variable "${name}"${didYouMean(name, KNOWN_RESTIC_VARS) || ' (restic_* variables are reserved for restic-fleet; see docs/inventory.md for the list)'}`, keyPosOf(h, [name]));
  }
  const nested = (path: Path, value: VarValue, known: string[]) => {
    if (!value || typeof value !== 'object' || Array.isArray(value) || isSecret(value)) return;
    for (const k of Object.keys(value)) {
      if (known.includes(k)) continue;
      const p = [...path, k];
      v.add('error', p, `unknown key "${k}"${didYouMean(k, known) || ` (known: ${known.join(', ')})`}`, keyPosOf(h, p));
    }
  };
  const sets = vars.restic_backup_sets;
  if (Array.isArray(sets)) sets.forEach((s, i) => nested(['restic_backup_sets', i], s, Object.keys(setShape)));
  nested(['restic_backup_rotation'], vars.restic_backup_rotation ?? null, Object.keys(rotationShape));
  const users = vars.restic_server_users;
  if (Array.isArray(users)) users.forEach((u, i) => nested(['restic_server_users', i], u, Object.keys(userShape)));
}

/**
 * What each inventory variable restic-fleet reads is: its check (validators.ts), its
 * default, whether it is required. Tables only; validate.ts reads a host with them in
 * one pass. A Field reads one value and reports its problems at paths below `at`.
 */
import { isSecret, type Secret } from '../secret.js';
import { cronField } from './cron-field.js';
import { SET_TYPE_KEYS, SET_TYPES, type SetType } from './set-types.js';
import type { Path } from './types.js';
import {
  absoluteDir,
  ansibleBool,
  aptPackage,
  containerName,
  dockerImage,
  hostname,
  integer,
  Issue,
  logDriver,
  logMaxSize,
  optional,
  port,
  required,
  resticRepo,
  resticTag,
  serverOption,
  serverUser,
  setId,
  sshUser,
  userNetworkName,
  volumeName,
  type Check,
} from './validators.js';

export type Report = (path: Path, message: string) => void;
/** Reads one value. Once it has reported a problem its result means nothing (the caller counts reports). */
export type Field<T> = (value: unknown, at: Path, report: Report) => T;
export type Shape = Record<string, Field<unknown>>;
export type Read<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

// ---- building blocks -------------------------------------------------------------

/** A value checked by one rule; its Issue is reported at the value's path. */
const value =
  <T>(check: Check<T>): Field<T> =>
  (v, at, report) => {
    const r = check(v);
    if (!(r instanceof Issue)) return r;
    report(at, r.message);
    return undefined as T;
  };
/** Optional (absent or null → undefined). */
const opt = <T>(check: Check<T>) => value(optional(check));
/** Absent or null → the default. */
const dflt = <T>(check: Check<T>, d: NonNullable<T>) => value(optional(check, d) as Check<T>);
const req = <T>(check: Check<T>, why?: string) => value(required(check, why));
/** Taken as it is (checked later, with other fields at hand). */
const raw: Field<unknown> = (v) => v;

export const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every field of a shape, in the shape's order. */
export function readShape<S extends Shape>(shape: S, obj: Record<string, unknown>, at: Path, report: Report): Read<S> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(shape)) out[k] = shape[k]!(obj[k], [...at, k], report);
  return out as Read<S>;
}

const mapping =
  <S extends Shape>(shape: S, notMapping: string): Field<Read<S>> =>
  (v, at, report) => {
    if (isMapping(v)) return readShape(shape, v, at, report);
    report(at, notMapping);
    return undefined as never;
  };
/** Absent or null → undefined. */
const optMapping =
  <S extends Shape>(shape: S, notMapping: string): Field<Read<S> | undefined> =>
  (v, at, report) =>
    v === undefined || v === null ? undefined : mapping(shape, notMapping)(v, at, report);

/** Absent or null → undefined; each item read by `item`. */
const list =
  <T>(item: Field<T>, what: string): Field<T[] | undefined> =>
  (v, at, report) => {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      report(at, `must be a list of ${what}`);
      return undefined;
    }
    return v.map((x, i) => item(x, [...at, i], report));
  };

/** Passwords arrive as Secrets (validate.ts wraps plain text); never quoted in messages. */
const password: Check<Secret> = (v) => {
  if (!isSecret(v)) return new Issue('must be a password (a string)');
  if (v.reveal() === '') return new Issue('must not be empty');
  return v;
};

// ---- backup sets -------------------------------------------------------------------

/**
 * Every set has id, type, tags, hour and minute. The fields that depend on the type (volume,
 * paths, container, hooks ...) are read as written here and checked per type by
 * set-types.ts, which reports a field of another type at its key. To add a type: its entry
 * in set-types.ts (TYPE_KEYS and checkSetTypeFields) and its fields in SetTypeFields.
 */
export { SET_TYPES, type SetType };
const isSetType = (v: unknown): v is SetType => typeof v === 'string' && (SET_TYPES as readonly string[]).includes(v);

const setType: Check<SetType> = (v) => (isSetType(v) ? v : new Issue(`is not a supported backup set type (supported: ${SET_TYPES.join(', ')})`));

/** A set's fields in key order (also the order of "known: ..." in messages). */
const SET_SHAPE = {
  id: req(setId),
  type: req(setType),
  ...(Object.fromEntries(SET_TYPE_KEYS.map((k) => [k, raw])) as Record<string, Field<unknown>>),
  tags: list(value(resticTag), 'tags'),
  hour: dflt(cronField('hour'), '1'),
  minute: dflt(cronField('minute'), '0'),
};
/** The fields of a backup set (of any type: set-types.ts tells which belong to which). */
export const setShape = (_type?: unknown) => SET_SHAPE;
type SetRead = Read<typeof SET_SHAPE>;

const backupSet: Field<SetRead> = (v, at, report) =>
  mapping(setShape(isMapping(v) ? v.type : undefined), 'each backup set must be a mapping (id, type, volume, tags, hour, minute)')(v, at, report);

// ---- the other nested mappings -------------------------------------------------------

const keep = integer('a number of snapshots to keep', 0, 100000);
export const rotationShape = {
  daily: dflt(keep, 0),
  weekly: dflt(keep, 0),
  monthly: dflt(keep, 0),
  hour: dflt(cronField('hour'), '23'),
  minute: opt(cronField('minute')), // default: staggered per host (validate.ts)
  prune: dflt(ansibleBool, true),
};

export const userShape = { user: req(serverUser), password: req(password) };

/** node_exporter textfile (opt-in): an absolute path ending in .prom (the collector reads *.prom). */
const textfilePath: Check<string> = (v) => {
  const p = absoluteDir(v);
  if (p instanceof Issue) return p;
  return p.endsWith('.prom') ? p : new Issue("must end in .prom (node_exporter's textfile collector reads *.prom files)");
};

// ---- the host's variables, by role ------------------------------------------------------

export const connectionShape = {
  ansible_host: opt(hostname),
  ansible_port: dflt(port, 22),
  ansible_user: dflt(sshUser, 'root'),
  ansible_become: dflt(ansibleBool, false),
  restic_fleet_jump_host: raw, // its default user is ansible_user: checked after
  restic_fleet_connect_timeout: dflt(integer('a timeout in seconds', 1, 3600), 15),
  restic_fleet_command_timeout: dflt(integer('a timeout in seconds', 1, 86400), 600),
};

/** Read when restic_server_image is set (the seed's restic-server role). */
export const serverShape = {
  restic_server_image: req(dockerImage),
  restic_server_hostname: dflt(containerName, 'restic-server'),
  restic_server_port: dflt(port, 8000),
  restic_server_backup_dir: dflt(absoluteDir, '/srv/restic'),
  restic_server_user: opt(serverUser),
  restic_server_password: opt(password),
  restic_server_users: list(mapping(userShape, 'each entry must be a mapping with user and password'), 'users ({user, password})'),
  restic_server_options: list(value(serverOption), 'rest-server flags'),
  restic_server_ready_timeout: dflt(integer('a timeout in seconds', 1, 3600), 30),
  docker_network_name: opt(userNetworkName),
  docker_log_driver: opt(logDriver),
  docker_log_max_size: opt(logMaxSize),
  docker_log_max_file: opt(integer('a number of log files', 1, 1000)),
};

/** Read when restic_repo is set (the seed's restic-client role). */
export const clientShape = {
  restic_client_package: opt(aptPackage),
  restic_repo: req(resticRepo),
  restic_client_user: opt(serverUser),
  restic_client_password: opt(password),
  restic_repo_password: req(password, 'is required when restic_repo is set (the repository password)'),
  restic_backup_sets: list(backupSet, 'backup sets (mappings with id, type, volume, tags, hour, minute)'),
  restic_backup_rotation: optMapping(rotationShape, 'must be a mapping (daily, weekly, monthly, hour, minute, prune)'),
  restic_textfile_path: opt(textfilePath),
  restic_check: raw, // drill-check.ts
};

/** Every restic_* variable restic-fleet knows (the seed's and ours). */
export const KNOWN_RESTIC_VARS: ReadonlySet<string> = new Set(
  [...Object.keys(connectionShape), ...Object.keys(serverShape), ...Object.keys(clientShape)].filter((k) => k.startsWith('restic_')),
);

const PASSWORD_VARS = new Set(['restic_client_password', 'restic_server_password', 'restic_repo_password']);
/** Fields that hold a password: plain text there becomes a Secret; nowhere else may a secret go. */
export const isPasswordPath = (path: Path): boolean =>
  (path.length === 1 && PASSWORD_VARS.has(String(path[0]))) ||
  (path.length === 3 && path[0] === 'restic_server_users' && path[2] === 'password') ||
  // A ping URL lets anyone report the job's state: a secret like a password.
  (path.length === 3 && path[0] === 'restic_backup_sets' && path[2] === 'ping_url');

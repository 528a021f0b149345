import { z } from 'zod';
import { isSecret, type Secret } from '../secret.js';
import type { BackupSetConfig } from './config.js';
import { cronField } from './cron-field.js';
import { SET_TYPE_KEYS, SET_TYPES } from './set-types.js';
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
  userNetworkName,
  optional,
  port,
  required,
  resticRepo,
  resticTag,
  serverOption,
  serverUser,
  setId,
  sshUser,
  type Check,
} from './validators.js';

// ---- zod glue ----------------------------------------------------------------------

/** A field checked by one of our rules; its Issue becomes a zod issue at the field's path. */
function field<T>(check: Check<T>) {
  return z.unknown().transform((v, ctx): T => {
    const r = check(v);
    if (r instanceof Issue) {
      ctx.addIssue({ code: 'custom', message: r.message });
      return z.NEVER;
    }
    return r;
  });
}

/** Optional field (absent, null → undefined). */
const opt = <T>(check: Check<T>) => field(optional(check)).optional();
/** Optional field with a default (absent or null → the default). */
const dflt = <T>(check: Check<T>, d: NonNullable<T>) => field(optional(check, d) as Check<T>).default(d as never);
const req = <T>(check: Check<T>, why?: string) => field(required(check, why));

const nullToUndefined = (v: unknown) => (v === null ? undefined : v);
const list = <S extends z.ZodType>(item: S, what: string) =>
  z.preprocess(nullToUndefined, z.array(item, { error: `must be a list of ${what}` }).optional());

/** Passwords arrive as Secrets (prepareVars wraps plain text); never quoted in messages. */
const password: Check<Secret> = (v) => {
  if (!isSecret(v)) return new Issue('must be a password (a string)');
  if (v.reveal() === '') return new Issue('must not be empty');
  return v;
};

/** Backup set types and their own fields: set-types.ts (checked after this shape, per type). */
export { SET_TYPES };
const setType: Check<BackupSetConfig['type']> = (v) =>
  typeof v === 'string' && (SET_TYPES as readonly string[]).includes(v)
    ? (v as BackupSetConfig['type'])
    : new Issue(`is not a supported backup set type (supported: ${SET_TYPES.join(', ')})`);

export const setShape = {
  id: req(setId),
  type: req(setType),
  // volume, paths, container, hooks ...: checked per type by set-types.ts
  ...Object.fromEntries(SET_TYPE_KEYS.map((k) => [k, z.unknown().optional()])),
  tags: list(field(resticTag), 'tags'),
  hour: dflt(cronField('hour'), '1'),
  minute: dflt(cronField('minute'), '0'),
};
const setSchema = z.looseObject(setShape, { error: 'each backup set must be a mapping (id, type, volume, tags, hour, minute)' });

const keep = integer('a number of snapshots to keep', 0, 100000);
export const rotationShape = {
  daily: dflt(keep, 0),
  weekly: dflt(keep, 0),
  monthly: dflt(keep, 0),
  hour: dflt(cronField('hour'), '23'),
  minute: opt(cronField('minute')),
  prune: dflt(ansibleBool, true),
};
const rotationSchema = z.looseObject(rotationShape, { error: 'must be a mapping (daily, weekly, monthly, hour, minute, prune)' });

/** node_exporter textfile (opt-in): an absolute path ending in .prom (the collector reads *.prom). */
const textfilePath: Check<string> = (v) => {
  const p = absoluteDir(v);
  if (p instanceof Issue) return p;
  return p.endsWith('.prom') ? p : new Issue('must end in .prom (node_exporter\'s textfile collector reads *.prom files)');
};

export const userShape = { user: req(serverUser), password: req(password) };

const connectionShape = {
  ansible_host: opt(hostname),
  ansible_port: dflt(port, 22),
  ansible_user: dflt(sshUser, 'root'),
  ansible_become: dflt(ansibleBool, false),
  restic_fleet_jump_host: z.unknown().optional(), // needs ansible_user as its default user: checked after
  restic_fleet_connect_timeout: dflt(integer('a timeout in seconds', 1, 3600), 15),
  restic_fleet_command_timeout: dflt(integer('a timeout in seconds', 1, 86400), 600),
};

const serverShape = {
  restic_server_image: req(dockerImage),
  restic_server_hostname: dflt(containerName, 'restic-server'),
  restic_server_port: dflt(port, 8000),
  restic_server_backup_dir: dflt(absoluteDir, '/srv/restic'),
  restic_server_user: opt(serverUser),
  restic_server_password: opt(password),
  restic_server_users: list(z.looseObject(userShape, { error: 'each entry must be a mapping with user and password' }), 'users ({user, password})'),
  restic_server_options: list(field(serverOption), 'rest-server flags'),
  restic_server_ready_timeout: dflt(integer('a timeout in seconds', 1, 3600), 30),
  docker_network_name: opt(userNetworkName),
  docker_log_driver: opt(logDriver),
  docker_log_max_size: opt(logMaxSize),
  docker_log_max_file: opt(integer('a number of log files', 1, 1000)),
};

const clientShape = {
  restic_client_package: opt(aptPackage),
  restic_repo: req(resticRepo),
  restic_client_user: opt(serverUser),
  restic_client_password: opt(password),
  restic_repo_password: req(password, 'is required when restic_repo is set (the repository password)'),
  restic_backup_sets: list(setSchema, 'backup sets (mappings with id, type, volume, tags, hour, minute)'),
  restic_backup_rotation: z.preprocess(nullToUndefined, rotationSchema.optional()),
  restic_textfile_path: opt(textfilePath),
  restic_check: z.unknown().optional(), // drill-check.ts
};

export const connectionSchema = z.looseObject(connectionShape);
export const serverSchema = z.looseObject(serverShape);
export const clientSchema = z.looseObject(clientShape);

/** Every restic_* variable restic-fleet knows (the seed's and ours). */
export const KNOWN_RESTIC_VARS: ReadonlySet<string> = new Set(
  [...Object.keys(connectionShape), ...Object.keys(serverShape), ...Object.keys(clientShape)].filter((k) => k.startsWith('restic_')),
);
export const PASSWORD_VARS = new Set(['restic_client_password', 'restic_server_password', 'restic_repo_password']);

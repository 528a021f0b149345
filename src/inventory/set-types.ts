import { isSecret, type Secret } from '../secret.js';
import { checkDrill, type DrillConfig } from './drill-check.js';
import { isPlaceholderSecret } from './resolve.js';
import type { Diagnostic, Path, VarValue } from './types.js';
import { absoluteDir, ansibleBool, containerName, describe, integer, Issue, volumeName, type Check } from './validators.js';

/**
 * Backup set types and their own fields (issue 13). The common fields (id, type, tags, hour,
 * minute) are read by the set shape in schema.ts; this file checks what depends on
 * the type, so a set of one type reports the fields of another as errors at their key.
 */
export const SET_TYPES = ['docker-volume', 'path', 'postgres', 'mysql', 'mariadb'] as const;
export type SetType = (typeof SET_TYPES)[number];
export const DATABASE_TYPES: readonly SetType[] = ['postgres', 'mysql', 'mariadb'];

/** Hooks get this long unless hook_timeout says otherwise (seconds). */
export const DEFAULT_HOOK_TIMEOUT = 300;
/** A dump gets this long unless dump_timeout says otherwise (seconds; the runner's default too). */
export const DEFAULT_DUMP_TIMEOUT = 21600;

/** Fields a set of any type may carry beyond id/type/tags/hour/minute. */
const COMMON_KEYS = ['pre', 'post', 'hook_timeout', 'ping_url', 'drill'] as const;
/** Fields only some types have. */
const TYPE_KEYS: Record<SetType, readonly string[]> = {
  'docker-volume': ['volume', 'stop', 'stop_containers'],
  path: ['paths', 'exclude'],
  postgres: ['container', 'database', 'dump_timeout'],
  mysql: ['container', 'database', 'dump_timeout'],
  mariadb: ['container', 'database', 'dump_timeout'],
};
/** Every key the set-type checks own (schema-shapes.ts lists them as known set keys). */
export const SET_TYPE_KEYS: readonly string[] = [...new Set([...COMMON_KEYS, ...Object.values(TYPE_KEYS).flat()])];

/** What a set's type adds to BackupSetConfig (see config.ts). */
export interface SetTypeFields {
  volume?: string;
  /** docker-volume: stop every running container that uses the volume during the backup. */
  stop?: boolean;
  /** docker-volume: stop these containers (when running) during the backup. */
  stopContainers?: string[];
  /** path: host paths to back up; exclude: restic --exclude patterns. */
  paths?: string[];
  exclude?: string[];
  /** postgres/mysql/mariadb: the container that runs the database; one database, or all when absent. */
  container?: string;
  database?: string;
  /** Seconds the dump may run (a hung dump would hold the set's lock and skip every later run). */
  dumpTimeout?: number;
  /** Shell run on the host before and after the backup (a failing pre skips the backup). */
  pre?: string;
  post?: string;
  hookTimeout?: number;
  /** healthchecks-style base URL (secret): /start, the URL itself on success, /<exit code> on failure. */
  pingUrl?: Secret;
  /** Restore drill (drill-check.ts): absent = weekly by default, false = none. */
  drill?: DrillConfig | false;
}

type Add = (severity: Diagnostic['severity'], path: Path, message: string) => void;

const isBlank = (v: unknown) => v === undefined || v === null;

/** A database name: what pg/mysql allow without quoting, and what reaches a file name (<db>.sql). */
const databaseName: Check<string> = (v) => {
  if (typeof v !== 'string' && typeof v !== 'number') return new Issue(`must be a database name (a string), not ${describe(v)}`);
  const s = String(v);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$/.test(s)) return new Issue('is not a database name this tool dumps: letters, digits, _ and -, at most 63 characters');
  return s;
};

/** Hook text: shell written by the inventory's owner, installed as a root-only file (never in a cron line). */
const hookText: Check<string> = (v) => {
  if (typeof v !== 'string') return new Issue(`must be shell commands (a string), not ${describe(v)}`);
  if (v.trim() === '') return new Issue('must not be empty');
  if (v.includes('\0')) return new Issue('contains a NUL byte');
  if (v.length > 16384) return new Issue('is longer than 16384 characters');
  return v;
};

/** A restic --exclude pattern: it goes into the cron line, where % ends the command. */
const excludePattern: Check<string> = (v) => {
  if (typeof v !== 'string') return new Issue(`must be an exclude pattern (a string), not ${describe(v)}`);
  if (v === '') return new Issue('must not be empty');
  if (/[\x00-\x1f\x7f%]/.test(v)) return new Issue('must not contain "%" or control characters (it goes into the cron line)');
  if (v.length > 512) return new Issue('is longer than 512 characters');
  return v;
};

/** The ping URL is a secret (it lets anyone report the job's state): http(s), no quotes, spaces or backslashes (it goes into a curl config line). */
const pingUrl: Check<Secret> = (v) => {
  if (!isSecret(v)) return new Issue('must be a URL (a string)');
  if (isPlaceholderSecret(v)) return v; // offline plan of a pull request: the real URL is not known
  const s = v.reveal();
  if (!/^https?:\/\/[^\s"'\\]+$/.test(s)) return new Issue('must be an http:// or https:// URL without spaces, quotes or backslashes');
  if (s.length > 2048) return new Issue('is longer than 2048 characters');
  return v;
};

/** A list of checked items; reports at each item's path. */
function listOf<T>(raw: VarValue | undefined, path: Path, check: Check<T>, add: Add, what: string): T[] | undefined {
  if (isBlank(raw)) return undefined;
  if (!Array.isArray(raw)) {
    add('error', path, `must be a list of ${what}, not ${describe(raw)}`);
    return undefined;
  }
  const out: T[] = [];
  raw.forEach((item, i) => {
    const r = check(item);
    if (r instanceof Issue) add('error', [...path, i], r.message);
    else out.push(r);
  });
  return out;
}

function one<T>(raw: VarValue | undefined, path: Path, check: Check<T>, add: Add): T | undefined {
  if (isBlank(raw)) return undefined;
  const r = check(raw);
  if (r instanceof Issue) {
    add('error', path, r.message);
    return undefined;
  }
  return r;
}

/**
 * The type-dependent fields of one backup set (`raw` is the set's mapping, `path` its place,
 * e.g. ["restic_backup_sets", 2]). Every problem goes to `add` at the field's own key, so it
 * carries file:line:col; returns the fields (possibly partial when there were errors).
 */
export function checkSetTypeFields(type: SetType, raw: Record<string, VarValue>, path: Path, add: Add): SetTypeFields {
  const at = (k: string | number, ...rest: (string | number)[]): Path => [...path, k, ...rest];
  for (const k of Object.keys(raw)) {
    const owner = (SET_TYPES as readonly SetType[]).filter((t) => TYPE_KEYS[t].includes(k));
    if (owner.length && !owner.includes(type)) add('error', at(k), `is a field of ${owner.join('/')} sets, not of type ${type}`);
  }
  const f: SetTypeFields = {};
  const timeout = one(raw.hook_timeout, at('hook_timeout'), integer('a timeout in seconds', 1, 86400), add);
  if (timeout !== undefined) f.hookTimeout = timeout; // else the runner's default, DEFAULT_HOOK_TIMEOUT
  const pre = one(raw.pre, at('pre'), hookText, add);
  const post = one(raw.post, at('post'), hookText, add);
  const ping = one(raw.ping_url, at('ping_url'), pingUrl, add);
  if (pre !== undefined) f.pre = pre;
  if (post !== undefined) f.post = post;
  if (ping) f.pingUrl = ping;
  const drill = checkDrill(raw.drill, at('drill'), add);
  if (drill !== undefined) f.drill = drill;

  const required = (k: string, why: string) => {
    if (isBlank(raw[k])) add('error', path, `a ${type} set needs ${k} (${why})`);
  };
  switch (type) {
    case 'docker-volume': {
      required('volume', 'the Docker volume to back up');
      f.volume = one(raw.volume, at('volume'), volumeName, add);
      const stop = one(raw.stop, at('stop'), ansibleBool, add);
      const names = listOf(raw.stop_containers, at('stop_containers'), containerName, add, 'container names');
      if (stop && names?.length) add('error', at('stop_containers'), 'give either stop: true (every running container using the volume) or stop_containers, not both');
      if (stop) f.stop = true;
      if (names?.length) f.stopContainers = [...new Set(names)];
      break;
    }
    case 'path': {
      required('paths', 'the host directories or files to back up');
      const paths = listOf(raw.paths, at('paths'), absoluteDir, add, 'absolute paths');
      if (Array.isArray(raw.paths) && raw.paths.length === 0) add('error', at('paths'), 'must list at least one path');
      if (paths?.length) f.paths = [...new Set(paths)];
      const ex = listOf(raw.exclude, at('exclude'), excludePattern, add, 'exclude patterns');
      if (ex?.length) f.exclude = ex;
      break;
    }
    default: {
      required('container', 'the container that runs the database: the dump runs there through docker exec');
      f.container = one(raw.container, at('container'), containerName, add);
      const db = one(raw.database, at('database'), databaseName, add);
      if (db !== undefined) f.database = db;
      const dumpTimeout = one(raw.dump_timeout, at('dump_timeout'), integer('a timeout in seconds', 10, 604800), add);
      if (dumpTimeout !== undefined) f.dumpTimeout = dumpTimeout; // else the runner's default, DEFAULT_DUMP_TIMEOUT
    }
  }
  return f;
}

/** checkSetTypeFields over restic_backup_sets as written; entries that are not mappings with a known type are the shape's to report. */
export function checkSetTypes(sets: VarValue | undefined, add: Add): SetTypeFields[] {
  if (!Array.isArray(sets)) return [];
  return sets.map((s, i) => {
    if (!s || typeof s !== 'object' || Array.isArray(s) || isSecret(s)) return {};
    const raw = s as Record<string, VarValue>;
    const type = (SET_TYPES as readonly unknown[]).includes(raw.type) ? (raw.type as SetType) : undefined;
    return type ? checkSetTypeFields(type, raw, ['restic_backup_sets', i], add) : {};
  });
}

import { isSecret } from '../secret.js';
import { cronField } from './cron-field.js';
import type { Diagnostic, Path, VarValue } from './types.js';
import { ansibleBool, describe, integer, Issue, type Check } from './validators.js';

/**
 * Restore drills (per set: `drill`) and repository checks (per client: `restic_check`),
 * issue 13 items 2 and 3. Both are weekly by default; `drill: false` / `restic_check: false`
 * turn them off. Times are cron fields (weekday 0-7, 0 and 7 = Sunday).
 */
export interface Schedule {
  weekday: string;
  hour: string;
  minute: string;
}

export interface DrillConfig extends Partial<Schedule> {
  /** Refuse to restore a snapshot larger than this many bytes (the runner's default: 10 GiB). */
  maxBytes?: number;
  /** Seconds the restore may take (the runner's default: 3600). */
  timeoutSeconds?: number;
}

export interface CheckConfig extends Schedule {
  /** restic check --read-data-subset: "5%" or "n/t". */
  subset: string;
}

export const DEFAULT_CHECK: CheckConfig = { weekday: '0', hour: '4', minute: '30', subset: '5%' };
const DRILL_KEYS = ['weekday', 'hour', 'minute', 'max_size', 'timeout'];
const CHECK_KEYS = ['weekday', 'hour', 'minute', 'subset'];

type Add = (severity: Diagnostic['severity'], path: Path, message: string) => void;

/** A cron day-of-week field: *, N, A-B, steps and lists, 0-7 (no names: they differ between crons). */
export const weekdayField: Check<string> = (v) => {
  const s = typeof v === 'number' && Number.isInteger(v) ? String(v) : typeof v === 'string' ? v.trim() : undefined;
  if (s === undefined) return new Issue(`must be a cron weekday field (0-7, 0 and 7 = Sunday, e.g. "0" or "1-5"), not ${describe(v)}`);
  const item = /^(\*|[0-7](-[0-7])?)(\/[1-7])?$/;
  if (!s.split(',').every((i) => item.test(i))) return new Issue('is not a cron weekday field: N, A-B, *, */S or lists of them, days 0-7 (0 and 7 = Sunday), no names');
  return s;
};

/** "10G", "500M", "1T", "4096" (bytes): the largest snapshot a drill restores. */
export const sizeField: Check<number> = (v) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$/i.exec(typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '');
  if (!m) return new Issue(`must be a size such as "10G", "500M" or a number of bytes, not ${typeof v === 'string' ? 'that text' : describe(v)}`);
  const n = Math.floor(Number(m[1]) * 1024 ** 'BKMGT'.indexOf((m[2] || 'B').toUpperCase()));
  if (n < 1 || n > 2 ** 50) return new Issue('must be from 1 byte to 1P');
  return n;
};

/** restic's --read-data-subset: "N%" (0 < N <= 100) or "n/t"; a plain number is a percentage. */
export const subsetField: Check<string> = (v) => {
  const s = typeof v === 'number' ? `${v}%` : typeof v === 'string' ? v.trim() : '';
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(s);
  if (pct && Number(pct[1]) > 0 && Number(pct[1]) <= 100) return s;
  const nt = /^(\d+)\/(\d+)$/.exec(s);
  if (nt && Number(nt[1]) >= 1 && Number(nt[1]) <= Number(nt[2]) && Number(nt[2]) <= 10000) return s;
  return new Issue('must be a percentage of the data ("5%", above 0 and at most 100) or a part "n/t" (e.g. "1/10")');
};

function mapping(raw: VarValue, path: Path, add: Add, keys: string[], what: string): Record<string, VarValue> | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw) || isSecret(raw)) {
    add('error', path, `must be false, true or a mapping (${keys.join(', ')}) for ${what}, not ${describe(raw)}`);
    return undefined;
  }
  const m = raw as Record<string, VarValue>;
  for (const k of Object.keys(m)) if (!keys.includes(k)) add('error', [...path, k], `unknown key "${k}" (known: ${keys.join(', ')})`);
  return m;
}

function one<T>(m: Record<string, VarValue>, k: string, path: Path, check: Check<T>, add: Add): T | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  const r = check(v);
  if (r instanceof Issue) {
    add('error', [...path, k], r.message);
    return undefined;
  }
  return r;
}

/** A set's `drill`: undefined (default schedule), false (off), or its own schedule and budget. */
export function checkDrill(raw: VarValue | undefined, path: Path, add: Add): DrillConfig | false | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'boolean' || typeof raw === 'string' || typeof raw === 'number') {
    const b = ansibleBool(raw);
    if (b instanceof Issue) {
      add('error', path, `must be false (no drills), true (weekly) or a mapping (${DRILL_KEYS.join(', ')}), not ${describe(raw)}`);
      return undefined;
    }
    return b ? {} : false;
  }
  const m = mapping(raw, path, add, DRILL_KEYS, 'the restore drill');
  if (!m) return undefined;
  const d: DrillConfig = {};
  const weekday = one(m, 'weekday', path, weekdayField, add);
  const hour = one(m, 'hour', path, cronField('hour'), add);
  const minute = one(m, 'minute', path, cronField('minute'), add);
  const maxBytes = one(m, 'max_size', path, sizeField, add);
  const timeout = one(m, 'timeout', path, integer('a time budget in seconds', 60, 7 * 86400), add);
  if (weekday !== undefined) d.weekday = weekday;
  if (hour !== undefined) d.hour = hour;
  if (minute !== undefined) d.minute = minute;
  if (maxBytes !== undefined) d.maxBytes = maxBytes;
  if (timeout !== undefined) d.timeoutSeconds = timeout;
  return d;
}

/** A client's `restic_check`: the default weekly 5 % check, false (off), or its own. */
export function checkResticCheck(raw: VarValue | undefined, add: Add): CheckConfig | false {
  const path: Path = ['restic_check'];
  if (raw === undefined || raw === null) return { ...DEFAULT_CHECK };
  if (typeof raw !== 'object' || isSecret(raw)) {
    const b = ansibleBool(raw);
    if (b instanceof Issue) {
      add('error', path, `must be false (no checks), true (weekly, 5 %) or a mapping (${CHECK_KEYS.join(', ')}), not ${describe(raw)}`);
      return { ...DEFAULT_CHECK };
    }
    return b ? { ...DEFAULT_CHECK } : false;
  }
  const m = mapping(raw, path, add, CHECK_KEYS, 'the repository check');
  if (!m) return { ...DEFAULT_CHECK };
  return {
    weekday: one(m, 'weekday', path, weekdayField, add) ?? DEFAULT_CHECK.weekday,
    hour: one(m, 'hour', path, cronField('hour'), add) ?? DEFAULT_CHECK.hour,
    minute: one(m, 'minute', path, cronField('minute'), add) ?? DEFAULT_CHECK.minute,
    subset: one(m, 'subset', path, subsetField, add) ?? DEFAULT_CHECK.subset,
  };
}

/**
 * When a set's drill runs: its own fields, else Sunday, two hours after the set's backup
 * (when the backup's hour and minute are plain numbers; else 05:00 and the set's minute or 0).
 */
export function drillSchedule(d: DrillConfig, set: { hour: string; minute: string }): Schedule {
  const plainHour = /^\d+$/.test(set.hour);
  const plainMinute = /^\d+$/.test(set.minute);
  return {
    weekday: d.weekday ?? '0',
    hour: d.hour ?? (plainHour ? String((Number(set.hour) + 2) % 24) : '5'),
    minute: d.minute ?? (plainMinute ? set.minute : '0'),
  };
}

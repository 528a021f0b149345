/**
 * Value rules for inventory variables. Each returns the normalized value or an
 * Issue. Messages never repeat the value (it may be, or contain, a secret) —
 * at most the offending character of a public value.
 */

export class Issue {
  constructor(readonly message: string) {}
}

export type Check<T> = (v: unknown) => T | Issue;

const isBlank = (v: unknown): v is null | undefined => v === undefined || v === null;

/** Absent or null → the default (or undefined); otherwise the check. */
export const optional =
  <T>(check: Check<T>, fallback?: T): Check<T | undefined> =>
  (v) =>
    isBlank(v) ? fallback : check(v);

export const required =
  <T>(check: Check<T>, why = 'is required'): Check<T> =>
  (v) =>
    isBlank(v) ? new Issue(why) : check(v);

/** Strings, and numbers written without quotes (YAML 1.1 reads `3` as a number). */
function text(v: unknown, what: string): string | Issue {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return new Issue(`must be ${what} (a string), not ${describe(v)}`);
}

export function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'boolean') return 'a boolean';
  if (typeof v === 'number') return 'a number';
  return `a ${typeof v}`;
}

const badChar = (s: string, allowed: RegExp): string => {
  const c = [...s].find((ch) => !allowed.test(ch));
  if (c === undefined) return '';
  return /[\x00-\x1f\x7f]/.test(c) ? ' (contains a control character)' : c === ' ' ? ' (contains a space)' : ` (contains "${c}")`;
};

function pattern(what: string, re: RegExp, charClass: RegExp, maxLen: number, rule: string): Check<string> {
  return (v) => {
    const s = text(v, what);
    if (s instanceof Issue) return s;
    if (s.length === 0) return new Issue(`must be a non-empty ${what}`);
    if (s.length > maxLen) return new Issue(`${what} is longer than ${maxLen} characters`);
    if (!re.test(s)) {
      const why = badChar(s, charClass) || (/^[A-Za-z0-9]/.test(s) ? '' : ` (starts with "${s[0]}")`);
      return new Issue(`is not a valid ${what}${why}: ${rule}`);
    }
    return s;
  };
}

export const integer =
  (what: string, min: number, max: number): Check<number> =>
  (v) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n)) return new Issue(`must be ${what}: an integer from ${min} to ${max}, not ${typeof v === 'string' ? 'that text' : describe(v)}`);
    if (n < min || n > max) return new Issue(`must be ${what}: an integer from ${min} to ${max}`);
    return n;
  };

export const port = integer('a port', 1, 65535);

/** Ansible's boolean(): yes/no, on/off, true/false, y/n, t/f, 1/0 (any case). */
export const ansibleBool: Check<boolean> = (v) => {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['yes', 'on', 'true', 'y', 't', '1'].includes(s)) return true;
    if (['no', 'off', 'false', 'n', 'f', '0'].includes(s)) return false;
  }
  return new Issue('must be a boolean (true/false, yes/no)');
};

// ---- names -------------------------------------------------------------------

/** Docker's rule for container and volume names. */
export const containerName = pattern('container name', /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, /[a-zA-Z0-9_.-]/, 255, 'letters, digits, "_", "." and "-", starting with a letter or digit, at least 2 characters');
export const volumeName = pattern('Docker volume name', /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/, /[a-zA-Z0-9_.-]/, 255, 'letters, digits, "_", "." and "-", starting with a letter or digit, at least 2 characters');
export const networkName = pattern('Docker network name', /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, /[a-zA-Z0-9_.-]/, 255, 'letters, digits, "_", "." and "-", starting with a letter or digit');
/**
 * docker_network_name: a user-defined network. Docker's predefined ones are refused:
 * `host` would put rest-server on the host's own network stack (every interface, the
 * port mapping ignored), `none` leaves it unreachable, and `bridge` is the shared default
 * network, which every other container on the host joins.
 */
const PREDEFINED_NETWORKS = ['host', 'none', 'bridge'];
export const userNetworkName: Check<string> = (v) => {
  const s = networkName(v);
  if (s instanceof Issue) return s;
  if (PREDEFINED_NETWORKS.includes(s.toLowerCase())) {
    return new Issue(`must name a user-defined network, not Docker's predefined "${s}" network (host, none and bridge are refused)`);
  }
  return s;
};
export const resticTag = pattern('restic tag', /^[A-Za-z0-9][A-Za-z0-9_.:@+-]*$/, /[A-Za-z0-9_.:@+-]/, 64, 'letters, digits and _ . : @ + -, starting with a letter or digit (no commas, spaces or shell characters)');
export const serverUser = pattern('user name', /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, /[A-Za-z0-9_.-]/, 64, 'letters, digits, "_", "." and "-", starting with a letter or digit');
export const sshUser = pattern('SSH user name', /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, /[A-Za-z0-9_.-]/, 32, 'letters, digits, "_", "." and "-", not starting with "-" or "."');
export const logDriver = pattern('Docker log driver', /^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/, /[A-Za-z0-9_.:/-]/, 255, 'a driver name such as json-file, local, syslog or a plugin name');
export const logMaxSize = pattern('log size', /^[0-9]+(?:[kmgKMG][bB]?|[bB])?$/, /[0-9kmgbKMGB]/, 20, 'a number with an optional k, m or g unit, e.g. "10m"');
export const aptPackage = pattern('package', /^[a-z0-9][a-z0-9.+-]*(?:=[A-Za-z0-9.+:~-]+)?$/, /[a-z0-9.+=:~A-Z-]/, 200, 'a Debian package name with an optional =version, e.g. "restic=0.14.0-1"');

const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const HOSTNAME_RE = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`);
const IPV4_RE = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_RE = /^[0-9A-Fa-f:.]+$/;

/** Host names and IP addresses: never starting with "-" (it would read as an ssh option). */
export const hostname: Check<string> = (v) => {
  const s = text(v, 'host name');
  if (s instanceof Issue) return s;
  if (s.length === 0 || s.length > 253) return new Issue('must be a host name or IP address');
  if (IPV4_RE.test(s) || HOSTNAME_RE.test(s)) return s;
  if (s.includes(':') && IPV6_RE.test(s)) return s;
  return new Issue(`is not a valid host name or IP address${badChar(s, /[A-Za-z0-9_.:-]/)}`);
};

/** Hosts a URL can carry (IPv6 literals are not supported in restic_repo). */
const urlHost: Check<string> = (v) => {
  const s = hostname(v);
  if (s instanceof Issue || !s.includes(':')) return s;
  return new Issue('IPv6 addresses are not supported here; use a host name');
};

// ---- Docker image reference (distribution/reference grammar) ---------------------

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const IMAGE_RE = new RegExp(
  `^(${NAME})(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

export const dockerImage: Check<string> = (v) => {
  const s = text(v, 'image reference');
  if (s instanceof Issue) return s;
  const m = IMAGE_RE.exec(s);
  if (!m) {
    return new Issue(
      `is not a valid Docker image reference${badChar(s, /[A-Za-z0-9_.:@/[\]-]/)}: [registry[:port]/]path[:tag][@digest], path in lower case, e.g. "restic/rest-server:0.14.0"`,
    );
  }
  if (m[1]!.length > 255) return new Issue('image name is longer than 255 characters');
  return s;
};

// ---- paths and URLs ---------------------------------------------------------------

/** An absolute directory on the server: safe characters only, no "." or ".." segments; trailing "/" dropped. */
export const absoluteDir: Check<string> = (v) => {
  const s = text(v, 'directory');
  if (s instanceof Issue) return s;
  if (!s.startsWith('/')) return new Issue('must be an absolute path (starting with "/")');
  if (!/^[A-Za-z0-9_.@+/-]+$/.test(s)) {
    return new Issue(`contains characters that are not allowed in a path here${badChar(s, /[A-Za-z0-9_.@+/-]/)}: letters, digits and _ . @ + - /`);
  }
  const segments = s.split('/').filter(Boolean);
  if (segments.some((p) => p === '.' || p === '..')) return new Issue('must not contain "." or ".." segments');
  if (segments.length === 0) return new Issue('must not be "/"');
  if (s.length > 1024) return new Issue('is longer than 1024 characters');
  return `/${segments.join('/')}`;
};

/**
 * restic_repo: the seed's "host:port/path" (the seed's role prefixes rest:http://)
 * or "rest:http(s)://host[:port]/path". Credentials never go in the URL: they are
 * restic_client_user / restic_client_password.
 */
export const resticRepo: Check<string> = (v) => {
  const s0 = text(v, 'repository');
  if (s0 instanceof Issue) return s0;
  const s = s0.trim();
  let rest = s;
  const scheme = /^rest:(https?):\/\/(.*)$/.exec(s);
  if (scheme) rest = scheme[2]!;
  else if (/^[a-z0-9]+:/i.test(s) && !/^[^/:]+:\d/.test(s)) {
    return new Issue('only rest-server repositories are supported: "host:port/path" or "rest:http(s)://host:port/path"');
  }
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  if (authority.includes('@')) {
    return new Issue('must not contain credentials: put the user in restic_client_user and the password in restic_client_password');
  }
  const hp = /^([^:]*)(?::(.*))?$/.exec(authority)!;
  const host = urlHost(hp[1]);
  if (host instanceof Issue) return new Issue(`has an invalid host: ${host.message}`);
  if (hp[2] !== undefined) {
    const p = port(hp[2]);
    if (p instanceof Issue) return new Issue(`has an invalid port: ${p.message}`);
  }
  if (path) {
    if (!/^[A-Za-z0-9_.~/-]*$/.test(path)) return new Issue(`has an invalid path${badChar(path, /[A-Za-z0-9_.~/-]/)}: letters, digits and _ . ~ - /`);
    if (path.split('/').some((p) => p === '.' || p === '..')) return new Issue('path must not contain "." or ".." segments');
  }
  return s;
};

/** "user@host:port" (user and port optional) of an SSH bastion. */
export const jumpHost = (defaultUser: string): Check<{ host: string; port: number; user: string }> => (v) => {
  const s = text(v, 'jump host');
  if (s instanceof Issue) return s;
  const m = /^(?:([^@]*)@)?([^@:[\]]+|\[[0-9A-Fa-f:.]+\])(?::([^:]*))?$/.exec(s.trim());
  if (!m) return new Issue('must be "user@host:port" (user and port optional)');
  const user = m[1] === undefined ? defaultUser : sshUser(m[1]);
  if (user instanceof Issue) return new Issue(`has an invalid user: ${user.message}`);
  const host = hostname(m[2]!.replace(/^\[|\]$/g, ''));
  if (host instanceof Issue) return new Issue(`has an invalid host: ${host.message}`);
  const p = m[3] === undefined ? 22 : port(m[3]);
  if (p instanceof Issue) return new Issue(`has an invalid port: ${p.message}`);
  return { host, port: p, user };
};

// ---- backup sets -------------------------------------------------------------------

/** Free text (the seed's "odoo volume"): one line, at most 100 characters. */
export const setId: Check<string> = (v) => {
  const s = text(v, 'id');
  if (s instanceof Issue) return s;
  if (s.trim() === '') return new Issue('must not be empty');
  if (/[\x00-\x1f\x7f]/.test(s)) return new Issue('must be one line of text (no newlines or control characters)');
  if (s.length > 100) return new Issue('is longer than 100 characters');
  return s;
};

// ---- rest-server options -----------------------------------------------------------

const FLAGS = new Set(['--append-only', '--private-repos', '--prometheus', '--prometheus-no-auth', '--debug']);

/**
 * restic_server_options items. Flags with a value are normalized to "--flag=value"
 * so they stay one word whether the list is joined into OPTIONS or passed as argv.
 */
export const serverOption: Check<string> = (v) => {
  const s0 = text(v, 'option');
  if (s0 instanceof Issue) return s0;
  const s = s0.trim();
  if (FLAGS.has(s)) return s;
  const m = /^(--max-size|--log)(?:[ =](.*))?$/.exec(s);
  if (m?.[1] === '--max-size') {
    const n = m[2] === undefined ? NaN : Number(m[2].trim());
    if (!(Number.isInteger(n) && n > 0 && /^\s*\d+\s*$/.test(m[2] ?? ''))) return new Issue('--max-size needs a size in bytes, e.g. "--max-size 10737418240"');
    return `--max-size=${n}`;
  }
  if (m?.[1] === '--log') {
    const target = (m[2] ?? '-').trim();
    if (target !== '-' && absoluteDir(target) instanceof Issue) {
      return new Issue('--log needs "-" (stdout) or an absolute file path inside the container with safe characters');
    }
    return `--log=${target}`;
  }
  return new Issue(
    'is not an allowed rest-server option (allowed: --append-only, --private-repos, --prometheus, --prometheus-no-auth, --max-size N, --debug, --log [FILE])',
  );
};

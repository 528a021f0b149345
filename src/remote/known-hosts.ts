import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * OpenSSH known_hosts, read from the `known-hosts` input: plain names, comma lists,
 * `[host]:port`, wildcards (`*`, `?`, `!negation`), hashed `|1|salt|hash` entries,
 * `@revoked` (refuse) and `@cert-authority` (not supported: ignored with a warning).
 */

export interface KnownHostEntry {
  line: number; // 1-based, for messages
  marker?: 'revoked' | 'cert-authority';
  hosts: HostMatcher;
  keyType: string; // as written on the line, e.g. ssh-ed25519
  key: Buffer; // the public key blob
}

export interface KnownHosts {
  entries: KnownHostEntry[];
  /** Lines that could not be read, e.g. "line 3: the key is not valid base64". */
  problems: string[];
}

type HostMatcher = { kind: 'hashed'; salt: Buffer; hash: Buffer } | { kind: 'patterns'; patterns: string[] };

export function parseKnownHosts(text: string): KnownHosts {
  const entries: KnownHostEntry[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return void problems.push(`line ${line}: unknown marker ${m}`);
    }
    const [hostField, keyType, keyB64] = fields;
    if (!hostField || !keyType || !keyB64) {
      return void problems.push(`line ${line}: expected "host key-type base64-key", found ${fields.length} field(s)`);
    }
    const hosts = parseHostField(hostField);
    if (!hosts) return void problems.push(`line ${line}: malformed hashed host entry`);
    const key = decodeBase64Strict(keyB64);
    if (!key) return void problems.push(`line ${line}: the key is not valid base64`);
    const blobType = keyTypeOf(key);
    if (blobType !== keyType) {
      return void problems.push(`line ${line}: key type ${keyType} does not match the key's own type ${blobType ?? '(unreadable)'}`);
    }
    entries.push({ line, marker, hosts, keyType, key });
  });
  return { entries, problems };
}

function parseHostField(field: string): HostMatcher | undefined {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    const s = salt ? decodeBase64Strict(salt) : undefined;
    const h = hash ? decodeBase64Strict(hash) : undefined;
    if (!s || !h || h.length !== 20) return undefined;
    return { kind: 'hashed', salt: s, hash: h };
  }
  return { kind: 'patterns', patterns: field.split(',').filter(Boolean) };
}

function decodeBase64Strict(s: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return undefined;
  const b = Buffer.from(s, 'base64');
  return b.length > 0 ? b : undefined;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Whether an entry's host field matches a lookup name (as built by knownHostsName). */
export function entryMatches(entry: KnownHostEntry, name: string): boolean {
  const h = entry.hosts;
  if (h.kind === 'hashed') {
    const mac = createHmac('sha1', h.salt).update(name).digest();
    return timingSafeEqual(mac, h.hash);
  }
  // OpenSSH: a matching negated pattern excludes the line even if another pattern matches.
  let matched = false;
  for (const p of h.patterns) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) matched = true;
  }
  return matched;
}

/** OpenSSH pattern: `*` any run, `?` one character; host names compare case-insensitively. */
function globMatch(pattern: string, name: string): boolean {
  const re = pattern
    .toLowerCase()
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`).test(name.toLowerCase());
}

/** Hashes a name the way `ssh-keygen -H` does (for tests and docs). */
export function hashKnownHostsName(name: string, salt: Buffer): string {
  const mac = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${mac.toString('base64')}`;
}

// ---- keys -------------------------------------------------------------------

/** The key type written inside an SSH public key blob (its first string), or undefined. */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return undefined;
  const t = blob.subarray(4, 4 + len).toString('latin1');
  return /^[\x21-\x7e]+$/.test(t) ? t : undefined;
}

/** `SHA256:<base64 without padding>`, exactly as `ssh-keygen -lf` prints it. */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** "ssh-ed25519 SHA256:…" for messages. */
export function describeKey(blob: Buffer): string {
  return `${keyTypeOf(blob) ?? 'unknown-type'} ${fingerprint(blob)}`;
}

/**
 * Host key algorithms (ssh2 names) that produce a key of a given known_hosts key type.
 * An RSA key is one key type but three signature algorithms.
 */
const ALGORITHMS_BY_KEY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ssh-dss': ['ssh-dss'],
};

// ---- verification -------------------------------------------------------------

export type HostKeyVerdict =
  | { ok: true; message?: string } // message: a warning to show (insecure mode)
  | { ok: false; message: string };

export interface HostKeyPolicy {
  /** The name looked up in known_hosts, e.g. "[127.0.0.1]:2201". */
  name: string;
  /** ssh2 `algorithms.serverHostKey`: the pinned key types, so the server offers one of those; undefined = ssh2 defaults. */
  serverHostKeyAlgorithms?: string[];
  /** Warnings to show once for this connection (ignored @cert-authority lines...). */
  warnings: string[];
  verify(offered: Buffer): HostKeyVerdict;
}

export interface HostKeyPolicyOptions {
  host: string;
  port: number;
  insecureSkipHostKeyCheck: boolean;
  /** How to fetch the key, shown in the "unknown host" message; default `ssh-keyscan [-p port] host`. */
  keyscanHint?: string;
}

/** Builds the host key check for one connection from the parsed known-hosts. */
export function hostKeyPolicy(known: KnownHosts, opts: HostKeyPolicyOptions): HostKeyPolicy {
  const name = knownHostsName(opts.host, opts.port);
  const matching = known.entries.filter((e) => entryMatches(e, name));
  const pinned = matching.filter((e) => !e.marker);
  const revoked = matching.filter((e) => e.marker === 'revoked');
  const warnings = matching
    .filter((e) => e.marker === 'cert-authority')
    .map((e) => `known-hosts line ${e.line}: @cert-authority entries are not supported and are ignored for ${name}; pin the host's own key instead`);

  if (opts.insecureSkipHostKeyCheck) {
    return {
      name,
      warnings,
      verify: (offered) => ({
        ok: true,
        message:
          `INSECURE: host key checking is OFF (insecure-skip-host-key-check: true); accepting ${describeKey(offered)} for ${name} without verification. ` +
          `Anyone on the network path can impersonate this host and receive the secrets sent to it. Pin it: ssh-keyscan ${keyscanArgs(opts)} >> known_hosts`,
      }),
    };
  }

  const supported = [...new Set(pinned.flatMap((e) => ALGORITHMS_BY_KEY_TYPE[e.keyType] ?? []))];
  const keyscan = opts.keyscanHint ?? `ssh-keyscan ${keyscanArgs(opts)}`;
  const problemsNote = known.problems.length ? ` (known-hosts has ${known.problems.length} unreadable line(s): ${known.problems.slice(0, 3).join('; ')})` : '';

  return {
    name,
    warnings,
    serverHostKeyAlgorithms: supported.length ? supported : undefined,
    verify(offered) {
      const offeredDesc = describeKey(offered);
      if (revoked.some((e) => e.key.equals(offered))) {
        return { ok: false, message: `host key ${offeredDesc} of ${name} is marked @revoked in known-hosts; refusing to connect` };
      }
      if (pinned.some((e) => e.key.equals(offered))) return { ok: true };
      if (pinned.length === 0) {
        return {
          ok: false,
          message: `host key for ${name} is not in known-hosts (offered ${offeredDesc}); add it with: ${keyscan}${problemsNote}`,
        };
      }
      const expected = pinned.map((e) => `${describeKey(e.key)} (known-hosts line ${e.line})`).join(', ');
      return {
        ok: false,
        message:
          `HOST KEY MISMATCH for ${name}: known-hosts pins ${expected} but the server offered ${offeredDesc}. ` +
          `Someone may be intercepting the connection (man-in-the-middle), or the host was reinstalled. ` +
          `Refusing to connect. If the change is expected, replace the entry with the output of: ${keyscan}`,
      };
    },
  };
}

function keyscanArgs(opts: { host: string; port: number }): string {
  return opts.port === 22 ? opts.host : `-p ${opts.port} ${opts.host}`;
}

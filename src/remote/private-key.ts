// Default import: ssh2 is CommonJS and Node's ESM loader does not see its named exports.
import ssh2 from 'ssh2';
import { fingerprint } from './known-hosts.js';
import type { Secret } from '../secret.js';

/** A private key that cannot be used, with a message that says how to fix it (never the key). */
export class PrivateKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrivateKeyError';
  }
}

export interface PreparedPrivateKey {
  /** The key text normalised (LF line ends, trimmed lines, trailing newline); a registered Secret. */
  key: Secret;
  /** ssh2's key type, e.g. ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256. */
  type: string;
  /** Fingerprint of the matching public key: what to look for in authorized_keys (`ssh-keygen -lf`). */
  publicFingerprint: string;
  /** Harmless formatting the input had and that was fixed (CRLF, indentation, missing final newline). */
  fixes: string[];
}

const INPUT = 'the ssh-private-key input';

/**
 * Checks and normalises a pasted private key. Catches the usual paste accidents with
 * messages that say what to do; ssh2's own message ("Unsupported key format") says none of it.
 */
export function preparePrivateKey(secret: Secret, passphrase?: Secret): PreparedPrivateKey {
  const raw = secret.reveal();
  const fixes: string[] = [];
  if (raw.trim() === '') throw new PrivateKeyError(`${INPUT} is empty`);

  // A key that went through a single-line field (JSON, some secret stores) arrives as "-----BEGIN ...-----\nb3Bl...".
  if (/\\n/.test(raw) && /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----\\n/.test(raw)) {
    throw new PrivateKeyError(`${INPUT} contains literal \\n sequences; paste the key with real newlines`);
  }

  let text = raw;
  if (/\r/.test(text)) {
    text = text.replace(/\r\n?/g, '\n');
    fixes.push('CRLF line ends converted to LF');
  }
  const original = text.split('\n');
  const lines = original.map((l) => l.trim());
  if (lines.some((l, i) => l !== original[i])) fixes.push('leading/trailing spaces removed from lines');
  // Interior blank lines stay: legacy encrypted PEM has one after its DEK-Info header.
  text = lines.join('\n').trim() + '\n';
  if (!raw.replace(/\r/g, '').endsWith('\n')) fixes.push('missing final newline added');
  if (/-----BEGIN [A-Z0-9 ]+-----.*-----END /.test(text)) {
    throw new PrivateKeyError(`${INPUT} arrived on a single line (its line breaks were lost); paste the key with real newlines`);
  }

  const first = text.split('\n')[0] ?? '';
  if (isPublicKeyLine(first)) {
    throw new PrivateKeyError(
      `${INPUT} holds a public key (${first.split(/\s+/)[0]} …), not a private key; paste the private key file (the one without .pub, starting with -----BEGIN OPENSSH PRIVATE KEY-----)`,
    );
  }
  const begin = /^-----BEGIN ([A-Z0-9 ]+)-----$/m.exec(text);
  if (!begin && !first.startsWith('PuTTY-User-Key-File')) {
    throw new PrivateKeyError(
      `${INPUT} does not look like a private key: expected a first line like -----BEGIN OPENSSH PRIVATE KEY-----`,
    );
  }
  if (begin) {
    const kind = begin[1] ?? '';
    if (!kind.endsWith('PRIVATE KEY')) {
      throw new PrivateKeyError(`${INPUT} holds a "${kind}" block, not a private key`);
    }
    if (!new RegExp(`^-----END ${kind}-----$`, 'm').test(text)) {
      throw new PrivateKeyError(`${INPUT} is truncated: the line -----END ${kind}----- is missing`);
    }
    if (/Proc-Type: 4,ENCRYPTED/.test(text) && !passphrase) throw encrypted();
    if (kind === 'PRIVATE KEY' || kind === 'ENCRYPTED PRIVATE KEY') {
      throw new PrivateKeyError(
        `${INPUT} is in PKCS#8 format (-----BEGIN ${kind}-----), which the SSH library cannot read; convert it with: ssh-keygen -p -f KEYFILE (rewrites it in OpenSSH format)`,
      );
    }
  }

  const parsed = ssh2.utils.parseKey(text, passphrase?.reveal());
  if (parsed instanceof Error) {
    if (/no passphrase given/i.test(parsed.message)) throw encrypted();
    if (/bad passphrase|integrity check failed/i.test(parsed.message)) {
      throw new PrivateKeyError(`${INPUT} could not be decrypted: wrong passphrase`);
    }
    throw new PrivateKeyError(`${INPUT} could not be read (${parsed.message}); paste the whole private key file, including the BEGIN and END lines`);
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) {
    throw new PrivateKeyError(`${INPUT} holds a public key, not a private key; paste the private key file (the one without .pub)`);
  }
  return {
    key: secret.derive(() => text, secret.origin),
    type: key.type,
    publicFingerprint: fingerprint(key.getPublicSSH()),
    fixes,
  };
}

function encrypted(): PrivateKeyError {
  return new PrivateKeyError(
    `${INPUT} is encrypted with a passphrase, and unattended runs cannot type one; use a dedicated deploy key without a passphrase (create one with: ssh-keygen -t ed25519 -N '' -f restic-fleet-key), or remove it from a copy with: ssh-keygen -p -N '' -f KEYFILE`,
  );
}

function isPublicKeyLine(line: string): boolean {
  return (
    /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-[a-z0-9-]+@openssh\.com)(-cert-v0[01]@openssh\.com)? AAAA/.test(line) ||
    line === '---- BEGIN SSH2 PUBLIC KEY ----' ||
    line === '-----BEGIN PUBLIC KEY-----' ||
    line === '-----BEGIN RSA PUBLIC KEY-----'
  );
}

import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';

/**
 * ansible-vault format 1.1 / 1.2 (AES256), decrypted with node's crypto:
 *
 *   $ANSIBLE_VAULT;1.1;AES256            (1.2 adds ";<vault-id>")
 *   <hex lines>  = hexlify( hex(salt) "\n" hex(hmac) "\n" hex(ciphertext) )
 *
 * key material = PBKDF2-HMAC-SHA256(password, salt, 10000 iterations, 80 bytes):
 * bytes 0–31 the AES-256-CTR key, 32–63 the HMAC-SHA256 key, 64–79 the initial
 * counter. The HMAC over the ciphertext is checked before decrypting (a mismatch
 * means a wrong password), the plaintext carries PKCS#7 padding.
 */

export const VAULT_MAGIC = '$ANSIBLE_VAULT;';

export const isVaultText = (text: string): boolean => text.trimStart().startsWith(VAULT_MAGIC);

export class VaultError extends Error {
  override name = 'VaultError';
}

export interface VaultHeader {
  version: '1.1' | '1.2';
  cipher: string;
  vaultId?: string;
}

function parseEnvelope(text: string): { header: VaultHeader; body: string } {
  const lines = text.trim().split(/\r?\n/).map((l) => l.trim());
  const parts = (lines[0] ?? '').split(';');
  if (parts[0] !== '$ANSIBLE_VAULT' || parts.length < 3) throw new VaultError('not an ansible-vault envelope');
  const version = parts[1];
  if (version !== '1.1' && version !== '1.2') {
    throw new VaultError(`unsupported ansible-vault format version ${JSON.stringify(version)} (supported: 1.1, 1.2)`);
  }
  const cipher = parts[2]!;
  if (cipher !== 'AES256') throw new VaultError(`unsupported ansible-vault cipher ${JSON.stringify(cipher)} (supported: AES256)`);
  const header: VaultHeader = { version, cipher };
  if (version === '1.2' && parts[3]) header.vaultId = parts[3];
  return { header, body: lines.slice(1).join('') };
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function unhex(s: string, what: string): Buffer {
  if (!HEX.test(s)) throw new VaultError(`malformed ansible-vault data (${what} is not hex)`);
  return Buffer.from(s, 'hex');
}

/** Decrypts vault text; throws VaultError (never with plaintext or password in the message). */
export function decryptVault(text: string, password: string): string {
  const { body } = parseEnvelope(text);
  const inner = unhex(body, 'body').toString('latin1').split('\n');
  if (inner.length !== 3) throw new VaultError('malformed ansible-vault data (expected salt, hmac and ciphertext)');
  const salt = unhex(inner[0]!, 'salt');
  const mac = unhex(inner[1]!, 'hmac');
  const ciphertext = unhex(inner[2]!, 'ciphertext');

  // Ansible strips whitespace around passwords read from files; accept both forms.
  const candidates = [...new Set([password, password.trim()])];
  for (const pw of candidates) {
    const km = pbkdf2Sync(Buffer.from(pw, 'utf8'), salt, 10000, 80, 'sha256');
    const expected = createHmac('sha256', km.subarray(32, 64)).update(ciphertext).digest();
    if (expected.length !== mac.length || !timingSafeEqual(expected, mac)) continue;
    const decipher = createDecipheriv('aes-256-ctr', km.subarray(0, 32), km.subarray(64, 80));
    const padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    return unpad(padded).toString('utf8');
  }
  throw new VaultError('wrong vault password (HMAC mismatch)');
}

function unpad(b: Buffer): Buffer {
  const n = b.length ? b[b.length - 1]! : 0;
  if (n < 1 || n > 16 || n > b.length) throw new VaultError('malformed ansible-vault data (bad padding)');
  for (let i = b.length - n; i < b.length; i++) {
    if (b[i] !== n) throw new VaultError('malformed ansible-vault data (bad padding)');
  }
  return b.subarray(0, b.length - n);
}

export function vaultHeader(text: string): VaultHeader {
  return parseEnvelope(text).header;
}

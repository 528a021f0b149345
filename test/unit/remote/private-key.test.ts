import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { ed25519Pair } from '../../support/ssh-keys.js';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../../src/remote/known-hosts.js';
import { PrivateKeyError, preparePrivateKey } from '../../../src/remote/private-key.js';
import { Secret } from '../../../src/secret.js';

const pair = ed25519Pair({ comment: 'test' });
const KEY = pair.private; // "-----BEGIN OPENSSH PRIVATE KEY-----\n...\n-----END OPENSSH PRIVATE KEY-----\n"
const PUB = pair.public; // "ssh-ed25519 AAAA... test"
const secret = (s: string) => new Secret(s, 'input ssh-private-key');

function failure(text: string, passphrase?: string): string {
  try {
    preparePrivateKey(secret(text), passphrase === undefined ? undefined : secret(passphrase));
  } catch (e) {
    expect(e).toBeInstanceOf(PrivateKeyError);
    return (e as Error).message;
  }
  throw new Error('expected a PrivateKeyError');
}

describe('preparePrivateKey', () => {
  it('accepts an OpenSSH key and reports its type and public fingerprint', () => {
    const k = preparePrivateKey(secret(KEY));
    expect(k.type).toBe('ssh-ed25519');
    expect(k.publicFingerprint).toBe(fingerprint(Buffer.from(PUB.split(' ')[1]!, 'base64')));
    expect(k.key.reveal()).toBe(KEY.endsWith('\n') ? KEY : KEY + '\n');
    expect(k.fixes).toEqual([]);
  });

  it('keeps the key a Secret that never prints', () => {
    const k = preparePrivateKey(secret(KEY));
    expect(String(k.key)).toBe('***');
    expect(JSON.stringify({ k: k.key })).toBe('{"k":"***"}');
    expect(inspect(k)).not.toContain('OPENSSH PRIVATE KEY');
  });

  it('says so when the key was pasted with literal \\n sequences', () => {
    const msg = failure(KEY.trim().replace(/\n/g, '\\n'));
    expect(msg).toBe('the ssh-private-key input contains literal \\n sequences; paste the key with real newlines');
  });

  it('says so when the line breaks were lost altogether', () => {
    expect(failure(KEY.trim().replace(/\n/g, ' '))).toMatch(/arrived on a single line/);
  });

  it('fixes CRLF, indentation and a missing final newline, and says what it fixed', () => {
    const messy = KEY.trim()
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\r\n');
    const k = preparePrivateKey(secret(messy));
    expect(k.key.reveal()).toBe(KEY.trim() + '\n');
    expect(k.fixes).toEqual(['CRLF line ends converted to LF', 'leading/trailing spaces removed from lines', 'missing final newline added']);
  });

  it('recognises a public key pasted instead', () => {
    expect(failure(PUB)).toMatch(/holds a public key \(ssh-ed25519 …\), not a private key/);
    const pem = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(failure(pem)).toMatch(/holds a public key/);
  });

  it('explains an encrypted key without a passphrase, and a wrong passphrase', () => {
    const enc = ssh2.utils.generateKeyPairSync('ed25519', { passphrase: 'pw', cipher: 'aes256-ctr', rounds: 2 });
    expect(failure(enc.private)).toMatch(/encrypted with a passphrase.*ssh-keygen -p -N ''/);
    expect(failure(enc.private, 'nope')).toMatch(/wrong passphrase/);
    expect(preparePrivateKey(secret(enc.private), secret('pw')).type).toBe('ssh-ed25519');
  });

  it('accepts a legacy PEM RSA key and explains PKCS#8', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(preparePrivateKey(secret(pkcs1)).type).toBe('ssh-rsa');
    const pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(failure(pkcs8)).toMatch(/PKCS#8/);
  });

  it('explains empty, truncated and unrelated input without echoing it', () => {
    expect(failure('   \n')).toBe('the ssh-private-key input is empty');
    const lines = KEY.trim().split('\n');
    expect(failure(lines.slice(0, -1).join('\n'))).toMatch(/truncated: the line -----END OPENSSH PRIVATE KEY----- is missing/);
    const junk = 'hunter2-not-a-key';
    const msg = failure(junk);
    expect(msg).toMatch(/does not look like a private key/);
    expect(msg).not.toContain(junk);
    const corrupt = [lines[0], 'AAAA' + lines[1]!.slice(4, 20), lines.at(-1)].join('\n');
    const m2 = failure(corrupt);
    expect(m2).toMatch(/could not be read/);
    expect(m2).not.toContain(lines[1]!.slice(4, 20));
  });
});

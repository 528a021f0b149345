import { runOracle } from '../../support/oracle.js';
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';
import { describe, expect, it } from 'vitest';
import {
  entryMatches,
  fingerprint,
  hostKeyPolicy,
  keyTypeOf,
  knownHostsName,
  parseKnownHosts,
} from '../../../src/remote/known-hosts.js';

// Fixed vectors: fingerprints as printed by `ssh-keygen -lf` (OpenSSH 9.2).
const ED = 'AAAAC3NzaC1lZDI1NTE5AAAAIJLUEXUbmHd16dwXdfIzaXodioJT5SyWJ5EIIzByTxVC';
const ED_FP = 'SHA256:RWlz0Joaekp5wxut4Ub/5OulrVMaosC7WSYNpIjv4LI';
const EC =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDh9dCX4pBkQ0ykyQ7yAmnY4qke7OuYNER0OfLvYkyuDhBuZ/pmPbOrvt75cCPT4aktbtalFgb4XAgWxZaaslMs=';
const EC_FP = 'SHA256:Ax6CeljYKDRIS9QfEZMff6eYGs8lmFa8aylZFCpjsDM';
const blob = (b64: string) => Buffer.from(b64, 'base64');
const otherEd = () => ssh2.utils.parseKey(ssh2.utils.generateKeyPairSync('ed25519').public) as ParsedKey;

const hasSshKeygen = (() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (e) {
    return (e as { status?: number }).status !== undefined && (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
})();

describe('fingerprint', () => {
  it('equals ssh-keygen -lf: SHA256, base64 without padding', () => {
    expect(fingerprint(blob(ED))).toBe(ED_FP);
    expect(fingerprint(blob(EC))).toBe(EC_FP);
    expect(fingerprint(blob(ED))).not.toMatch(/=$/);
  });

  it.runIf(runOracle(hasSshKeygen))('matches ssh-keygen -lf on a freshly generated key', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rf-fp-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
    const pub = readFileSync(path.join(dir, 'k.pub'), 'utf8').split(' ')[1]!;
    const out = execFileSync('ssh-keygen', ['-lf', path.join(dir, 'k.pub')], { encoding: 'utf8' });
    expect(out.split(' ')[1]).toBe(fingerprint(blob(pub)));
  });

  it('reads the key type inside a blob', () => {
    expect(keyTypeOf(blob(ED))).toBe('ssh-ed25519');
    expect(keyTypeOf(blob(EC))).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOf(Buffer.from('xx'))).toBeUndefined();
  });
});

describe('parseKnownHosts', () => {
  it('reads plain names, comma lists, [host]:port, comments and blank lines', () => {
    const kh = parseKnownHosts(
      [
        '# a comment',
        '',
        `web.example.com,10.0.0.5 ssh-ed25519 ${ED} comment here`,
        `[127.0.0.1]:2201 ecdsa-sha2-nistp256 ${EC}`,
        '   ',
      ].join('\r\n'),
    );
    expect(kh.problems).toEqual([]);
    expect(kh.entries).toHaveLength(2);
    const [a, b] = kh.entries;
    expect(a!.line).toBe(3);
    expect(entryMatches(a!, 'web.example.com')).toBe(true);
    expect(entryMatches(a!, 'WEB.example.COM')).toBe(true);
    expect(entryMatches(a!, '10.0.0.5')).toBe(true);
    expect(entryMatches(a!, '10.0.0.50')).toBe(false);
    expect(entryMatches(a!, '[web.example.com]:2222')).toBe(false);
    expect(entryMatches(b!, '[127.0.0.1]:2201')).toBe(true);
    expect(entryMatches(b!, '127.0.0.1')).toBe(false);
  });

  it('honours wildcards and negation', () => {
    const [e] = parseKnownHosts(`*.example.com,!bad.example.com ssh-ed25519 ${ED}`).entries;
    expect(entryMatches(e!, 'a.example.com')).toBe(true);
    expect(entryMatches(e!, 'bad.example.com')).toBe(false);
    expect(entryMatches(e!, 'example.org')).toBe(false);
  });

  it('matches hashed entries computed independently (HMAC-SHA1 of the name)', () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[127.0.0.1]:2201').digest();
    const [e] = parseKnownHosts(`|1|${salt.toString('base64')}|${hash.toString('base64')} ssh-ed25519 ${ED}`).entries;
    expect(entryMatches(e!, '[127.0.0.1]:2201')).toBe(true);
    expect(entryMatches(e!, '[127.0.0.1]:2202')).toBe(false);
    expect(entryMatches(e!, '127.0.0.1')).toBe(false);
  });

  it.runIf(runOracle(hasSshKeygen))('matches entries hashed by ssh-keygen -H', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rf-kh-'));
    const file = path.join(dir, 'known_hosts');
    writeFileSync(file, `[127.0.0.1]:2201 ssh-ed25519 ${ED}\nserver.example.com ecdsa-sha2-nistp256 ${EC}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('127.0.0.1'); // really hashed
    const kh = parseKnownHosts(text);
    expect(kh.problems).toEqual([]);
    expect(hostKeyPolicy(kh, { host: '127.0.0.1', port: 2201, insecureSkipHostKeyCheck: false }).verify(blob(ED))).toEqual({ ok: true });
    expect(hostKeyPolicy(kh, { host: 'server.example.com', port: 22, insecureSkipHostKeyCheck: false }).verify(blob(EC))).toEqual({ ok: true });
    expect(hostKeyPolicy(kh, { host: 'server.example.com', port: 22, insecureSkipHostKeyCheck: false }).verify(blob(ED)).ok).toBe(false);
  });

  it('reports unreadable lines with their numbers and keeps the rest', () => {
    const kh = parseKnownHosts(
      [`good ssh-ed25519 ${ED}`, 'onlyonefield', `bad ssh-ed25519 not*base64`, `typo ssh-rsa ${ED}`, `@weird host ssh-ed25519 ${ED}`].join('\n'),
    );
    expect(kh.entries).toHaveLength(1);
    expect(kh.problems).toHaveLength(4);
    expect(kh.problems[0]).toMatch(/^line 2:/);
    expect(kh.problems[1]).toMatch(/^line 3: .*base64/);
    expect(kh.problems[2]).toMatch(/^line 4: key type ssh-rsa does not match the key's own type ssh-ed25519/);
    expect(kh.problems[3]).toMatch(/^line 5: unknown marker @weird/);
  });
});

describe('knownHostsName', () => {
  it('uses the bare host on port 22 and [host]:port otherwise', () => {
    expect(knownHostsName('server.example.com', 22)).toBe('server.example.com');
    expect(knownHostsName('127.0.0.1', 2201)).toBe('[127.0.0.1]:2201');
  });
});

describe('hostKeyPolicy', () => {
  const strict = (text: string, host = '127.0.0.1', port = 2201) =>
    hostKeyPolicy(parseKnownHosts(text), { host, port, insecureSkipHostKeyCheck: false });

  it('accepts the pinned key and restricts host key algorithms to the pinned types', () => {
    const p = strict(`[127.0.0.1]:2201 ssh-ed25519 ${ED}\n[127.0.0.1]:2201 ecdsa-sha2-nistp256 ${EC}\nother ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7`);
    expect(p.name).toBe('[127.0.0.1]:2201');
    expect(p.verify(blob(ED))).toEqual({ ok: true });
    expect(p.verify(blob(EC))).toEqual({ ok: true });
    expect(p.serverHostKeyAlgorithms).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
  });

  it('maps a pinned RSA key to all three RSA signature algorithms', () => {
    const rsa = ssh2.utils.parseKey(ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 }).public) as ParsedKey;
    const p = strict(`[127.0.0.1]:2201 ssh-rsa ${rsa.getPublicSSH().toString('base64')}`);
    expect(p.serverHostKeyAlgorithms).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(p.verify(rsa.getPublicSSH())).toEqual({ ok: true });
  });

  it('refuses an unknown host, with the offered fingerprint and the ssh-keyscan command', () => {
    const p = strict(`[127.0.0.1]:2202 ssh-ed25519 ${ED}\n127.0.0.1 ssh-ed25519 ${ED}`);
    expect(p.serverHostKeyAlgorithms).toBeUndefined();
    expect(p.verify(blob(ED))).toEqual({
      ok: false,
      message: `host key for [127.0.0.1]:2201 is not in known-hosts (offered ssh-ed25519 ${ED_FP}); add it with: ssh-keyscan -p 2201 127.0.0.1`,
    });
    const p22 = strict('', 'server.example.com', 22);
    expect(p22.verify(blob(ED)).ok).toBe(false);
    expect((p22.verify(blob(ED)) as { message: string }).message).toContain('add it with: ssh-keyscan server.example.com');
  });

  it('refuses a mismatching key loudly, naming both fingerprints', () => {
    const other = otherEd();
    const p = strict(`[127.0.0.1]:2201 ssh-ed25519 ${ED}`);
    const v = p.verify(other.getPublicSSH());
    expect(v.ok).toBe(false);
    const msg = (v as { message: string }).message;
    expect(msg).toMatch(/^HOST KEY MISMATCH for \[127\.0\.0\.1\]:2201/);
    expect(msg).toContain(ED_FP);
    expect(msg).toContain(fingerprint(other.getPublicSSH()));
    expect(msg).toContain('known-hosts line 1');
  });

  it('refuses a key marked @revoked even when it is also pinned', () => {
    const p = strict(`[127.0.0.1]:2201 ssh-ed25519 ${ED}\n@revoked * ssh-ed25519 ${ED}`);
    const v = p.verify(blob(ED));
    expect(v.ok).toBe(false);
    expect((v as { message: string }).message).toMatch(/@revoked/);
  });

  it('ignores @cert-authority lines with a warning', () => {
    const p = strict(`@cert-authority *.example.com,[127.0.0.1]:2201 ssh-ed25519 ${ED}`);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings[0]).toMatch(/line 1: @cert-authority .* not supported/);
    expect(p.verify(blob(ED)).ok).toBe(false); // a CA key is not a pinned host key
  });

  it('insecure mode accepts any key but always says so, with the fingerprint', () => {
    const p = hostKeyPolicy(parseKnownHosts(''), { host: '127.0.0.1', port: 2201, insecureSkipHostKeyCheck: true });
    const v = p.verify(blob(ED));
    expect(v.ok).toBe(true);
    expect(v.message).toMatch(/^INSECURE/);
    expect(v.message).toContain(ED_FP);
  });

  it('mentions unreadable lines when the host is not found', () => {
    const p = strict(`[127.0.0.1]:2201 ssh-ed25519 ${ED.slice(0, 10)}*`);
    expect((p.verify(blob(ED)) as { message: string }).message).toMatch(/unreadable line\(s\): line 1/);
  });
});

import ssh2 from 'ssh2';

/**
 * An ed25519 key pair that ssh2 can read back. About 1 in 250 keys from ssh2's own
 * generator fails its own parser ("Malformed OpenSSH private key"), which made tests
 * using a fresh key flaky; a few tries are always enough (bounded anyway).
 */
export function ed25519Pair(opts: { comment?: string } = {}): { private: string; public: string } {
  for (let i = 0; i < 20; i++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', opts);
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
  throw new Error('ssh2 generated 20 ed25519 keys it cannot parse');
}

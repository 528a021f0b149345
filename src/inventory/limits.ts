/**
 * The inventory's work budget (docs/limits.md). The pull request is a trust boundary:
 * anyone can write the inventory a plan reads, so every way its size turns into work
 * is capped, and every cap is an error naming the file (and line:col where there is
 * one) and the cap. Anything under the caps loads within 2 s of CPU and 256 MB
 * (measured by bench/inventory.ts and asserted per case by test/unit/hostile/).
 */
export const LIMITS = {
  /** Bytes of one file (hosts.yml, a group_vars/host_vars file, a vault file). yaml parses ~1 MiB/s of dense YAML. */
  fileBytes: 256 * 1024,
  /** Bytes of all files read, together. */
  totalBytes: 1024 * 1024,
  /** Files read (hosts files and variable files). */
  files: 800,
  /** Levels of directories under group_vars/<group>/ and host_vars/<host>/. */
  dirDepth: 8,
  /** YAML nodes of one file, aliases counted at every use (a "billion laughs" stops here). */
  yamlNodes: 100_000,
  /** YAML nodes of all files together, estimated before parsing (the parser's memory is ~1.5 KB a node). */
  yamlItems: 40_000,
  /** Nesting of YAML collections (the parser recurses; a deep document exhausts its stack). */
  yamlDepth: 64,
  /** Hosts in the inventory, host ranges counted before they are expanded. */
  hosts: 1000,
  /** Values built while resolving variables, over all hosts (shared group values count per host). */
  valueNodes: 150_000,
  /** ansible-vault decryptions (whole files and `!vault` values; a shared value once): each is a deliberately slow key derivation (10–40 ms). */
  vaultDecrypts: 20,
  /** Characters of one templated string. */
  templateChars: 64 * 1024,
  /** Variables one template may reach through others (a → b → c …). */
  templateDepth: 50,
} as const;

/** Counts one vault decryption; false when the cap is reached (then the message says so). */
export const takeDecrypt = (budget: { decrypts: number }): boolean => ++budget.decrypts <= LIMITS.vaultDecrypts;
export const DECRYPT_CAP_MESSAGE = `more than ${LIMITS.vaultDecrypts} ansible-vault decryptions in one inventory (the cap; each is a deliberately slow key derivation): not decrypted`;

export const fmtBytes = (n: number): string =>
  n >= 1024 * 1024 && n % (1024 * 1024) === 0 ? `${n / 1024 / 1024} MiB` : n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;

/**
 * Which environment variables a template may read. A pull request can write any
 * `{{ NAME }}` into the inventory, so the whole environment is not on offer: only names
 * starting with VAULT_ or RESTIC_FLEET_ (any case: `{{ vault_x }}` reads `vault_x`, then
 * `VAULT_X`), and names the workflow lists in the env-allowlist input (CLI:
 * --env-allowlist). The runner's own variables are never readable, allowlisted or not:
 * ACTIONS_* (runtime and cache tokens), GITHUB_* (the job's token and context), RUNNER_*
 * and INPUT_* (the action's inputs).
 */

export const ENV_PREFIXES = ['VAULT_', 'RESTIC_FLEET_'] as const;
export const ENV_NEVER_PREFIXES = ['ACTIONS_', 'GITHUB_', 'RUNNER_', 'INPUT_'] as const;

const upper = (name: string): string => name.toUpperCase();

export function envNameReadable(name: string, allowlist: readonly string[] = []): boolean {
  const u = upper(name);
  if (ENV_NEVER_PREFIXES.some((p) => u.startsWith(p))) return false;
  return ENV_PREFIXES.some((p) => u.startsWith(p)) || allowlist.includes(name);
}

/** The rule, for messages and docs. */
export const ENV_RULE =
  'templates read only environment variables named VAULT_* or RESTIC_FLEET_*, or listed in env-allowlist (never ACTIONS_*, GITHUB_*, RUNNER_*, INPUT_*)';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** "A, B ,C" → ["A","B","C"]; a name that is not an environment variable name, or a forbidden one, is an error. */
export function parseEnvAllowlist(text: string, what = 'env-allowlist'): string[] {
  const names = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!NAME.test(n)) throw new Error(`${what}: "${n}" is not an environment variable name (letters, digits and _)`);
    if (ENV_NEVER_PREFIXES.some((p) => upper(n).startsWith(p))) {
      throw new Error(`${what}: ${n} cannot be allowed: ACTIONS_*, GITHUB_*, RUNNER_* and INPUT_* are never readable by templates`);
    }
  }
  return [...new Set(names)];
}

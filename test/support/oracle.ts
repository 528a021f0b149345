/**
 * Oracle tests compare restic-fleet with the real tool (ansible-inventory, PyYAML,
 * ssh-keygen). Without the tool a developer's run skips them; CI (CI=true, where .ci/run
 * installs the tools) runs them anyway, so a missing oracle fails instead of hiding.
 */
export const runOracle = (toolPresent: boolean): boolean => toolPresent || process.env.CI === 'true';

import * as core from '@actions/core';
import { inventoryOptions, readInputs, remoteOptions } from './action/inputs.js';
import * as log from './action/log.js';
import { isForkPullRequest, pullRequest } from './action/pull-request.js';
import * as render from './action/render.js';
import { applyCommand } from './commands/apply.js';
import { restoreOption } from './commands/options.js';
import { offlinePlanCommand, planCommand, pullRequestPlanCommand } from './commands/plan.js';
import { restoreCommand } from './commands/restore.js';
import { snapshotsCommand } from './commands/snapshots.js';
import { summaryCommand } from './commands/summary.js';
import { validateCommand } from './commands/validate.js';
import { addSecretSink } from './secret.js';

/** The GitHub Action door: reads the inputs, calls the command, renders its result (src/action/render.ts). */
export async function run(): Promise<void> {
  // First: every secret created from here on is masked in the log before it can be printed.
  addSecretSink((v) => core.setSecret(v));
  try {
    const inputs = readInputs();
    const base = inventoryOptions(inputs);
    switch (inputs.command) {
      case 'validate': {
        // A fork's pull request gets no secrets: check everything else, with placeholders for them.
        const fork = isForkPullRequest();
        if (fork) log.warning('pull requests from forks get no secrets: the values of secrets (environment, vault) were not checked');
        return render.renderValidate(await validateCommand({ ...base, offline: fork }));
      }
      case 'plan': {
        // No SSH key (a fork's pull request gets no secrets): the PR's desired state against the base branch's.
        if (!inputs.sshPrivateKey) return await render.renderOfflinePlan(await offlinePlanCommand(base, pullRequest()), inputs);
        // On a pull request the inventory is untrusted: it is compared with the base branch before any host is contacted.
        const o = remoteOptions(base, inputs);
        const pr = pullRequest();
        return await render.renderPlan(pr ? await pullRequestPlanCommand(o, pr) : await planCommand(o), inputs);
      }
      case 'apply': {
        const o = remoteOptions(base, inputs);
        // One connection per host: the snapshot report comes from the same run (status records).
        const out = await applyCommand(o, inputs.planHash, { staleAfterSeconds: inputs.staleAfterSeconds });
        render.renderApplied(out);
        return await render.renderApplySnapshots(out, out.snapshots!, inputs);
      }
      case 'snapshots':
        return await render.renderSnapshots(await snapshotsCommand(remoteOptions(base, inputs), inputs.staleAfterSeconds), inputs);
      case 'summary':
        return await render.renderSnapshots(summaryCommand(base.repoRoot, inputs.snapshotsDir), inputs);
      case 'restore': {
        const o = remoteOptions(base, inputs);
        const request = restoreOption(inputs.restore, 'command restore needs the host and set inputs');
        return await render.renderRestore(await restoreCommand(o, request));
      }
    }
  } catch (err) {
    render.renderError(err);
  }
}

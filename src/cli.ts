import { inventoryOptions, parseCliArgs, remoteOptions, USAGE } from './cli/args.js';
import { consoleLogger, err, errRecord, out, outJson, outJsonText, outRecord } from './cli-output.js';
import { applyCommand } from './commands/apply.js';
import { limitOption, planHashOption, restoreOption, staleAfterOption } from './commands/options.js';
import { planCommand, type RunOutcome } from './commands/plan.js';
import { restoreCommand } from './commands/restore.js';
import { snapshotsCommand } from './commands/snapshots.js';
import { renderCommand, validateCommand } from './commands/validate.js';
import { InventoryError, formatDiagnostic } from './inventory/types.js';
import { planLogGroups, renderResultTable } from './report/plan-text.js';
import { restoreLogText, snapshotLogText } from './report/summary.js';

/** The CLI door: reads the arguments, calls the command, prints its result. Returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseCliArgs(argv);
  const command = positionals[0];
  if (v.help || !command) {
    console.log(USAGE);
    return command || v.help ? 0 : 2;
  }
  if (!v.inventory) {
    console.error('restic-fleet: -i/--inventory is required\n');
    console.error(USAGE);
    return 2;
  }
  const base = inventoryOptions({ ...v, inventory: v.inventory }, limitOption(v.limit));

  try {
    switch (command) {
      case 'validate': {
        const loaded = await validateCommand(base);
        for (const d of loaded.diagnostics) outRecord(formatDiagnostic(d));
        out(`ok: ${loaded.hosts.length} hosts (${loaded.desired.filter((d) => d.server).length} servers, ${loaded.desired.filter((d) => d.client).length} clients)`);
        return 0;
      }
      case 'render': {
        const r = await renderCommand({ ...base, limit: v.host ? [v.host] : base.limit });
        for (const d of r.diagnostics) errRecord(formatDiagnostic(d));
        // Secrets serialise as "***" (Secret.toJSON); redaction in outJsonText is the second guard.
        outJsonText(r.json);
        return 0;
      }
      case 'plan':
        return printRun(await planCommand(remoteOptions(base, v)), false, v.json);
      case 'apply':
        return printRun(await applyCommand(remoteOptions(base, v), planHashOption(v['plan-hash'])), true, v.json);
      case 'snapshots': {
        const report = await snapshotsCommand(remoteOptions(base, v), staleAfterOption(v['stale-after'], '--stale-after'));
        if (v.json) outJson(report);
        else out(snapshotLogText(report));
        return report.hosts.some((h) => h.status === 'failed') ? 1 : 0;
      }
      case 'restore': {
        const request = restoreOption({ ...v, dryRun: v['dry-run'] }, 'restore needs --host and --set');
        const report = await restoreCommand(remoteOptions(base, v), request);
        if (v.json) outJson(report);
        else out(restoreLogText(report));
        return report.outcome === 'failed' ? 1 : 0;
      }
      default:
        errRecord(`restic-fleet: unknown command ${command}`);
        console.error('');
        console.error(USAGE);
        return 2;
    }
  } catch (e) {
    if (e instanceof InventoryError) {
      for (const d of e.diagnostics) errRecord(formatDiagnostic(d));
      return 1;
    }
    err(`restic-fleet: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

/** plan / apply: the plan per host (apply: with each host's result), totals, the result table. */
function printRun(run: RunOutcome, applied: boolean, json: boolean): number {
  for (const d of run.loaded.diagnostics) errRecord(formatDiagnostic(d));
  if (json) outJson({ plan: run.run.plan, results: run.results });
  else {
    const { header, groups, footer } = planLogGroups(run.run.plan, applied ? run.results : undefined);
    if (header.length) out(header.join('\n'));
    for (const g of groups) consoleLogger.group(g.title, g.lines);
    out([...footer, renderResultTable(run.results)].join('\n'));
  }
  return run.results.some((r) => r.outcome === 'failed') ? 1 : 0;
}

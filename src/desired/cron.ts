import type { RotationConfig } from '../inventory/config.js';
import { quote, sh, type ShellText } from '../remote/shell.js';
import { CRON_FILE, LOG_DIR, RUNNER_PATH } from './runner-script.js';
import { pruneCommand, setBackupCommand, setSummary, type PruneJob } from './set-jobs.js';
import { checkCommand, drillCommand, drillTime } from './drill-jobs.js';
import type { CheckConfig } from '../inventory/drill-check.js';
import type { DesiredBackupSet } from './types.js';

/** The command a set's cron job runs; also what tests and the demo run to trigger a backup. */
export function backupCommand(host: string, set: DesiredBackupSet): ShellText {
  return setBackupCommand(host, set);
}

export function rotationCommand(host: string, r: RotationConfig): ShellText {
  const prune = r.prune ? ['--prune'] : [];
  return sh`${RUNNER_PATH} forget --host ${host} --daily ${r.daily} --weekly ${r.weekly} --monthly ${r.monthly} ${prune}`;
}

/** In a crontab line an unescaped % ends the command; the schema forbids it, this is the second guard. */
function cronCommand(cmd: ShellText, logName: string): string {
  const text = `${cmd.text} >> ${quote(`${LOG_DIR}/${logName}.log`).text} 2>&1`;
  if (text.includes('%') || text.includes('\n')) throw new Error(`refusing a cron command with % or a newline: ${text}`);
  return text;
}

/** Comments carry the free-text id; control characters are replaced so a comment stays one line. */
const comment = (s: string): string => s.replace(/[\x00-\x1f\x7f]/g, ' ');

/**
 * The whole /etc/cron.d/restic-fleet file: one job per backup set, plus rotation.
 * One file owned by restic-fleet means removed sets simply disappear from it.
 */
export function renderCronFile(host: string, sets: DesiredBackupSet[], rotation: RotationConfig | undefined, source: string, prune?: PruneJob, check?: CheckConfig): string {
  const lines = [
    `# Managed by restic-fleet (${comment(source)}); changes here are overwritten.`,
    'SHELL=/bin/sh',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    '',
  ];
  for (const set of sets) {
    lines.push(`# backup set "${comment(set.id)}" (${comment(setSummary(set))})`);
    lines.push(`${set.minute} ${set.hour} * * * root ${cronCommand(backupCommand(host, set), set.slug)}`);
  }
  if (rotation) {
    lines.push(`# rotation: keep daily ${rotation.daily}, weekly ${rotation.weekly}, monthly ${rotation.monthly}${rotation.prune ? ', prune' : ''}`);
    lines.push(`${rotation.minute} ${rotation.hour} * * * root ${cronCommand(rotationCommand(host, rotation), 'rotation')}`);
  }
  if (prune) {
    lines.push('# prune: once for the shared repository, after every client\'s forget');
    lines.push(`${prune.minute} ${prune.hour} * * * root ${cronCommand(pruneCommand(host), 'prune')}`);
  }
  lines.push(...drillCronLines(host, sets), ...checkCronLines(host, check));
  return `${lines.join('\n')}\n`;
}

/** One restore drill per set that has not opted out (drill: false), weekly by default. */
export function drillCronLines(host: string, sets: DesiredBackupSet[]): string[] {
  return sets.flatMap((set) => {
    const t = drillTime(set);
    if (!t) return [];
    return [`# restore drill of "${comment(set.id)}"`, `${t.minute} ${t.hour} * * ${t.weekday} root ${cronCommand(drillCommand(host, set), `${set.slug}.drill`)}`];
  });
}

/** restic check --read-data-subset, on the repository's one designated client only. */
export function checkCronLines(host: string, check: CheckConfig | undefined): string[] {
  if (!check) return [];
  return [`# check: restic check --read-data-subset (${check.subset.replace(/%$/, ' percent')}), once for the repository`, `${check.minute} ${check.hour} * * ${check.weekday} root ${cronCommand(checkCommand(host, check), 'check')}`];
}

export { CRON_FILE };

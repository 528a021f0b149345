import type { RotationConfig } from '../inventory/config.js';
import { posixQuote } from '../util/posix-quote.js';
import { CRON_FILE, LOG_DIR, RUNNER_PATH } from './runner-script.js';
import { setBackupArgs, setSummary, type PruneJob } from './set-jobs.js';
import type { CheckConfig } from '../inventory/drill-check.js';
import { checkArgs, drillArgs, drillTime } from './drill-jobs.js';
import type { CronJob, DesiredBackupSet } from './types.js';

/**
 * The cron jobs of a client as values: one per backup set, plus rotation. The plan compares
 * these (which sets a change removes); the cron file's text is rendered from them.
 */
export function cronJobs(host: string, sets: DesiredBackupSet[], rotation: RotationConfig | undefined, prune?: PruneJob, check?: CheckConfig): CronJob[] {
  const jobs: CronJob[] = sets.map((set) => ({
    setId: set.id,
    name: set.slug,
    minute: set.minute,
    hour: set.hour,
    args: ['backup', '--host', host, '--set', set.slug, ...setBackupArgs(set)],
    comment: `backup set "${set.id}" (${setSummary(set)})`,
  }));
  if (rotation) {
    const r = rotation;
    jobs.push({
      name: 'rotation',
      minute: r.minute,
      hour: r.hour,
      args: ['forget', '--host', host, '--daily', String(r.daily), '--weekly', String(r.weekly), '--monthly', String(r.monthly), ...(r.prune ? ['--prune'] : [])],
      comment: `rotation: keep daily ${r.daily}, weekly ${r.weekly}, monthly ${r.monthly}${r.prune ? ', prune' : ''}`,
    });
  }
  if (prune) {
    jobs.push({ name: 'prune', minute: prune.minute, hour: prune.hour, args: ['prune', '--host', host], comment: "prune: once for the shared repository, after every client's forget" });
  }
  for (const set of sets) {
    const t = drillTime(set);
    if (t) jobs.push({ name: `${set.slug}.drill`, ...t, args: drillArgs(host, set), comment: `restore drill of "${set.id}"` });
  }
  if (check) {
    const comment = `check: restic check --read-data-subset (${check.subset.replace(/%$/, ' percent')}), once for the repository`;
    jobs.push({ name: 'check', minute: check.minute, hour: check.hour, weekday: check.weekday, args: checkArgs(host, check), comment });
  }
  return jobs;
}

/** In a crontab line an unescaped % ends the command; the schema forbids it, this is the second guard. */
function cronCommand(job: CronJob): string {
  const words = [RUNNER_PATH, ...job.args].map(posixQuote).join(' ');
  const text = `${words} >> ${posixQuote(`${LOG_DIR}/${job.name}.log`)} 2>&1`;
  if (text.includes('%') || text.includes('\n')) throw new Error(`refusing a cron command with % or a newline: ${text}`);
  return text;
}

/** Comments carry the free-text id; control characters are replaced so a comment stays one line. */
const oneLine = (s: string): string => s.replace(/[\x00-\x1f\x7f]/g, ' ');

/**
 * The whole /etc/cron.d/restic-fleet file, rendered from `cronJobs`.
 * One file owned by restic-fleet means removed sets simply disappear from it.
 */
export function renderCronFile(jobs: CronJob[], source: string): string {
  const lines = [
    `# Managed by restic-fleet (${oneLine(source)}); changes here are overwritten.`,
    'SHELL=/bin/sh',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    '',
  ];
  for (const job of jobs) {
    lines.push(`# ${oneLine(job.comment)}`);
    lines.push(`${job.minute} ${job.hour} * * ${job.weekday ?? '*'} root ${cronCommand(job)}`);
  }
  return `${lines.join('\n')}\n`;
}

export { CRON_FILE };

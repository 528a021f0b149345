import { CRON_FILE } from '../desired/runner-script.js';
import type { CronJob, DesiredClient, DesiredFile } from '../desired/types.js';
import type { ClientFacts, CronSetFact, FileFact } from '../facts/types.js';
import { isSecret } from '../secret.js';
import { versionAtLeast } from '../util/version.js';
import type { PlannedChange } from './ops.js';
import type { PartPlan } from './server.js';
import type { Change } from './types.js';

export const MIN_RESTIC = '0.14.0';

export { versionAtLeast };

/** "restic" is satisfied by any installed version, "restic=0.14.0-1" only by that exact version. */
export function packageSatisfied(pkg: string, installed: string | undefined): boolean {
  if (!installed) return false;
  const [, pin] = pkg.split('=');
  return pin === undefined || pin === installed;
}

const modeText = (m: number) => m.toString(8).padStart(4, '0');

function fileChange(f: DesiredFile, fact: FileFact | undefined, destructive?: string): Change | undefined {
  const secret = isSecret(f.content);
  const where = `${f.path} (${modeText(f.mode)} ${f.owner}:${f.owner})`;
  if (!fact) {
    return {
      id: `file:${f.path}`,
      kind: 'file',
      action: 'create',
      summary: `create ${where}: ${f.description}`,
      after: secret || f.path.endsWith('/run') ? undefined : (f.content as string),
    };
  }
  const contentDiffers = fact.sha256 !== f.sha256;
  const metaDiffers = fact.mode !== f.mode || fact.owner !== f.owner || fact.group !== f.owner;
  if (!contentDiffers && !metaDiffers) return undefined;
  const what = [contentDiffers ? (secret ? 'content changed (secret)' : 'content changed') : '', metaDiffers ? `mode ${modeText(fact.mode)} ${fact.owner}:${fact.group} → ${modeText(f.mode)} ${f.owner}:${f.owner}` : '']
    .filter(Boolean)
    .join(', ');
  const showText = contentDiffers && !secret && fact.content !== undefined;
  return {
    id: `file:${f.path}`,
    kind: 'file',
    action: 'update',
    summary: `update ${where}: ${what}`,
    before: showText ? fact.content : undefined,
    after: showText ? (f.content as string) : undefined,
    destructive: contentDiffers ? destructive : undefined,
  };
}

/** A backup set whose job leaves the host's cron file is a destructive change (known by id, or by slug without one). */
export function removedSets(onHost: CronSetFact[] | undefined, desired: CronJob[]): string | undefined {
  const kept = (s: CronSetFact) => desired.some((j) => j.setId !== undefined && (s.id !== undefined ? j.setId === s.id : j.name === s.slug));
  const gone = (onHost ?? []).filter((s) => !kept(s)).map((s) => `"${s.id ?? s.slug}"`);
  return gone.length ? `removes backup set${gone.length > 1 ? 's' : ''} ${gone.join(', ')} (its cron job; existing snapshots stay)` : undefined;
}

export interface ClientPlanContext {
  /** This client initialises the repository when it is absent (one client per repository). */
  initializer: boolean;
  /** Name of the client that initialises the shared repository, when another one does. */
  initializedBy?: string;
  /** That client is converged by another job of a sharded run, which may not have run yet. */
  initializedElsewhere?: boolean;
}

export function planClient(d: DesiredClient, f: ClientFacts, ctx: ClientPlanContext): PartPlan {
  const changes: Change[] = [];
  const ops: PlannedChange[] = [];
  const warnings: string[] = [];

  if (d.package && !packageSatisfied(d.package, f.resticPackageVersion)) {
    const id = 'package:restic';
    changes.push({
      id,
      kind: 'package',
      action: f.resticPackageVersion ? 'update' : 'create',
      summary: `apt-get install ${d.package}${f.resticPackageVersion ? ` (installed: ${f.resticPackageVersion})` : ''}`,
    });
    ops.push({ changeId: id, op: { op: 'apt-install', pkg: d.package } });
  } else if (!d.package) {
    if (!f.resticVersion) throw new Error(`restic is not installed; set restic_client_package (e.g. "restic") or install restic ≥ ${MIN_RESTIC}`);
    if (!versionAtLeast(f.resticVersion, MIN_RESTIC)) throw new Error(`restic ${f.resticVersion} found; restic-fleet needs ≥ ${MIN_RESTIC}`);
  }
  if (f.resticVersion && !versionAtLeast(f.resticVersion, MIN_RESTIC) && d.package && packageSatisfied(d.package, f.resticPackageVersion)) {
    throw new Error(`restic ${f.resticVersion} found (restic_client_package ${d.package}); restic-fleet needs ≥ ${MIN_RESTIC}`);
  }
  // Synthesised facts (the offline plan) know nothing of the host's docker: no warning about it.
  const live = !f.synthesised;
  if (live && !f.dockerVersion && d.sets.length) warnings.push('docker is not usable on this host: docker-volume backups will fail');

  for (const { path: dir, mode } of d.dirs) {
    const fact = f.dirs[dir];
    if (fact && fact.mode === mode && fact.owner === 'root') continue;
    const id = `directory:${dir}`;
    changes.push({ id, kind: 'directory', action: fact ? 'update' : 'create', summary: `${fact ? 'fix' : 'create'} ${dir} (${modeText(mode)} root)` });
    ops.push({ changeId: id, op: { op: 'mkdir', path: dir, mode } });
  }

  for (const file of d.files) {
    const change = fileChange(file, f.files[file.path], file.path === CRON_FILE ? removedSets(f.cronSets, d.cron) : undefined);
    if (!change) continue;
    changes.push(change);
    ops.push({ changeId: change.id, op: { op: 'write-file', path: file.path, mode: file.mode, content: file.content } });
  }

  for (const set of d.sets) {
    if (live && set.volume && f.dockerVersion && !f.volumes[set.volume]) {
      warnings.push(`docker volume ${set.volume} (backup set "${set.id}") does not exist on this host: its backup job fails until it does`);
    }
  }

  const repoId = `repository:${d.repository.key}`;
  switch (f.repo.status) {
    case 'initialised':
      break;
    case 'absent':
    case 'unchecked':
      if (ctx.initializer) {
        changes.push({
          id: repoId,
          kind: 'repository',
          action: 'run',
          summary:
            f.repo.status === 'absent'
              ? `restic init ${d.repository.display} (absent)`
              : `restic init ${d.repository.display} if it is absent once its server has converged`,
        });
        ops.push({ changeId: repoId, op: { op: 'repo-init' } });
      } else if (ctx.initializedElsewhere) {
        // Verifying now would fail while the other job has not created it: the next run's probe checks it.
        warnings.push(`repository ${d.repository.key} is created by ${ctx.initializedBy} (another shard); this host's backups work once it exists`);
      } else {
        if (ctx.initializedBy) warnings.push(`repository ${d.repository.key} is initialised by ${ctx.initializedBy} in this run`);
        ops.push({ changeId: '', op: { op: 'repo-verify' } });
      }
      break;
    case 'wrong-password':
      // Writing a password that does not open the repository would break every backup of this host.
      throw new Error(
        `the repository ${d.repository.display} exists but restic_repo_password does not open it (wrong password); nothing was changed on this host. ` +
          'restic-fleet never initialises over an existing repository or changes its keys: restore the old password in the inventory, ' +
          'or add the new one with `restic key add` on a client first',
      );
    case 'unauthorized':
      throw new Error(
        `the REST server answered 401 Unauthorized for ${d.repository.display}; nothing was changed on this host. ` +
          `Check restic_client_user/restic_client_password${d.repository.serverHost ? ` against ${d.repository.serverHost}'s htpasswd users` : ''}`,
      );
    default:
      // Never initialise after an unreachable server or an unknown error: verify after apply and report.
      warnings.push(`repository ${d.repository.display}: ${f.repo.status}${f.repo.detail ? ` (${f.repo.detail})` : ''}`);
      ops.push({ changeId: '', op: { op: 'repo-verify' } });
  }
  return { changes, ops, warnings };
}

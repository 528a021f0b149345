import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RESTORE_JOB_SCRIPT } from '../../../src/restore/job-script.js';
import { launchCommand, pollCommand, preflightCommand, recoverCommand } from '../../../src/restore/script.js';

const syntaxOk = (text: string) => spawnSync('sh', ['-n'], { input: text, encoding: 'utf8' });

describe('restore shell text', () => {
  it('the job script is valid POSIX sh with every placeholder replaced', () => {
    const r = syntaxOk(RESTORE_JOB_SCRIPT);
    expect(r.status, r.stderr).toBe(0);
    expect(RESTORE_JOB_SCRIPT).not.toMatch(/@[A-Z_]+@/);
    expect(RESTORE_JOB_SCRIPT).toContain('export RESTIC_REPOSITORY_FILE=/etc/restic-fleet/repository');
    expect(RESTORE_JOB_SCRIPT).toContain('exec 8> /var/lock/restic-fleet.lock');
    expect(RESTORE_JOB_SCRIPT).toContain('exec 9> "/var/lock/restic-fleet-$SLUG.lock"');
    expect(RESTORE_JOB_SCRIPT).toContain('--tag "restic-fleet:set=$SLUG" --tag "restic-fleet:pre-restore"');
  });

  it('quotes every value that reaches the host', () => {
    const target = `/srv/re store/it's $(reboot)`;
    const launch = launchCommand('20261127T090102Z-1a2b3c', {
      mode: 'to-path',
      host: 'client01.example.com',
      slug: 'app-volume',
      volume: 'app_data',
      snapshotId: 'ab'.repeat(32),
      snapshotPath: '/var/lib/docker/volumes/app_data/_data',
      target,
    }).text;
    expect(launch).toContain(`'/srv/re store/it'\\''s $(reboot)'`);
    expect(syntaxOk(launch).status).toBe(0);
    const pre = preflightCommand({ host: 'h', slug: 's', volume: 'v', snapshot: 'abcd1234', target: { kind: 'path', path: target } }).text;
    expect(pre).toContain(`preflight_target '/srv/re store/it'\\''s $(reboot)'`);
    expect(pre).toContain('restic --no-lock snapshots --json --host h --tag restic-fleet:set=s');
    expect(pre).toContain('restic --no-lock snapshots --json abcd1234');
    expect(syntaxOk(pre).status).toBe(0);
    expect(syntaxOk(pollCommand('r1').text).status).toBe(0);
    expect(syntaxOk(recoverCommand('r1', 'r1-recover', 'app_data', ['app', 'worker']).text).status).toBe(0);
  });

  it('starts the job detached from the SSH session, its output away from the channel', () => {
    const launch = launchCommand('r1', {
      mode: 'in-place',
      host: 'h',
      slug: 's',
      volume: 'v',
      snapshotId: 'abcd',
      snapshotPath: '/p',
      keepUntil: '2026-12-11',
    }).text;
    expect(launch).toMatch(/setsid -f sh \/var\/lib\/restic-fleet\/restore\/r1\.sh in-place r1 h s v abcd \/p 2026-12-11 > \/var\/lib\/restic-fleet\/restore\/r1\.log 2>&1 < \/dev\/null/);
  });
});

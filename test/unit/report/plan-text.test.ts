import { afterEach, describe, expect, it } from 'vitest';
import { renderPlanText, renderResultTable } from '../../../src/report/plan-text.js';
import type { HostResult } from '../../../src/results/types.js';
import { Secret, clearSecretRegistryForTests } from '../../../src/secret.js';
import { destructiveChange, firstConverge, offlineAddClient, serverDown } from '../../fixtures/report/plans.js';

afterEach(() => clearSecretRegistryForTests());

describe('renderPlanText', () => {
  it('prints one symbol per action, per host', () => {
    const text = renderPlanText(firstConverge);
    const lines = text.split('\n');
    expect(lines).toContain('client.example.com [client]: 6 changes');
    expect(lines).toContain('  + create /etc/cron.d/restic-fleet (0644 root:root)');
    expect(lines).toContain('  > run restic init on rest:http://server.example.com:8080/backup (first client of 1 sharing it)');
    // A summary without the verb gets it in front.
    expect(lines).toContain('  + create install restic=0.14.0-1 (apt)');
    // Created text is shown as added lines.
    expect(lines).toContain('      + 0 1 * * * root /usr/local/lib/restic-fleet/run backup odoo-volume');
    expect(lines.at(-2)).toBe('hosts: 2 changed / 0 unchanged / 0 failed / 0 skipped; 11 changes');
    expect(lines.at(-1)).toBe(`plan hash: ${firstConverge.hash}`);
  });

  it('shows before → after and marks destructive changes with !!', () => {
    const lines = renderPlanText(destructiveChange).split('\n');
    expect(lines).toContain('  ~ update /etc/cron.d/restic-fleet (0644 root:root)  !! removes backup set "postgres volume" (no new snapshots; existing ones are kept)');
    expect(lines).toContain('      - 0 1 * * * root /usr/local/lib/restic-fleet/run backup postgres-volume');
    expect(lines).toContain('      + 30 2 * * * root /usr/local/lib/restic-fleet/run backup odoo-volume');
    expect(lines).toContain('  - delete htpasswd user bob  !! removes htpasswd user bob (clients using it can no longer back up)');
    expect(lines).toContain('      bridge → bridge (internal)');
    expect(lines).toContain('client02.example.com [client]: no changes');
    expect(lines.filter((l) => l.includes('!!'))).toHaveLength(3);
  });

  it('gives reasons for failed and skipped hosts, and flags offline plans', () => {
    const text = renderPlanText(serverDown);
    expect(text).toContain('server.example.com [server]: FAILED: connect ETIMEDOUT 10.0.0.5:22 after 15s');
    expect(text).toContain('client01.example.com [client]: SKIPPED: its repository server server.example.com failed');
    expect(renderPlanText(offlineAddClient).split('\n')[0]).toMatch(/^Offline plan: live state was NOT read/);
  });

  it('cannot emit workflow commands from remote text, and redacts', () => {
    new Secret('hunter2-but-longer', 'test');
    const text = renderPlanText({
      ...serverDown,
      hosts: [
        {
          host: 'h1',
          roles: [],
          status: 'ok',
          warnings: [],
          changes: [
            { id: 'f', kind: 'file', action: 'update', summary: 'update f', before: '::set-output name=changed-hosts::[]', after: 'x' },
            { id: 'g', kind: 'file', action: 'update', summary: 'update g', before: 'a\n::add-mask::x\n', after: 'a\n##[error]fake\nhunter2-but-longer\n' },
          ],
        },
      ],
    });
    for (const line of text.split('\n')) expect(line).not.toMatch(/^\s*(::|##\[)/);
    expect(text).toContain(':\u200b:set-output');
    expect(text).not.toContain('hunter2-but-longer');
  });
});

describe('renderResultTable', () => {
  const results: HostResult[] = [
    { host: 'client.example.com', outcome: 'changed', changed: 6, durationMs: 3_210, roundTrips: 2, bytes: 14_000 },
    { host: 'client02.example.com', outcome: 'ok', changed: 0, durationMs: 640, roundTrips: 1 },
    { host: 'client03.example.com', outcome: 'skipped', changed: 0, reason: 'its repository server server.example.com failed', durationMs: 0 },
    { host: 'server.example.com', outcome: 'failed', changed: 0, reason: 'connect ETIMEDOUT\n10.0.0.5:22', durationMs: 15_000 },
  ];

  it('aligns one row per host and totals the outcomes', () => {
    expect(renderResultTable(results)).toBe(
      [
        'host                  round trips  duration  result',
        'client.example.com    2            3.2s      changed 6',
        'client02.example.com  1            640ms     ok',
        'client03.example.com  -            0ms       skipped: its repository server server.example.com failed',
        'server.example.com    -            15.0s     failed: connect ETIMEDOUT 10.0.0.5:22',
        '4 hosts: 1 changed, 1 ok, 1 failed, 1 skipped',
      ].join('\n'),
    );
  });
});

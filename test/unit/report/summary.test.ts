import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PLAN_COMMENT_MARKER } from '../../../src/report/pr-comment.js';
import {
  formatBytes,
  formatTime,
  planSummaryMarkdown,
  restoreLogText,
  restoreSummaryHtml,
  resultTableHtml,
  snapshotLogText,
  snapshotSummaryHtml,
  staleWarnings,
} from '../../../src/report/summary.js';
import { writeJobSummary } from '../../../src/action/write.js';
import type { SnapshotReport } from '../../../src/results/types.js';
import { Secret, clearSecretRegistryForTests } from '../../../src/secret.js';
import { destructiveChange } from '../../fixtures/report/plans.js';
import { restoreInPlace, snapshotReport } from '../../fixtures/report/snapshots.js';

afterEach(() => clearSecretRegistryForTests());

/** Text between tags, with entities decoded: what a reader of the summary sees. */
const visibleText = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('snapshot summary: log', () => {
  const text = snapshotLogText(snapshotReport);
  const lines = text.split('\n');

  it('prints a table per host with every column', () => {
    expect(lines[0]).toBe('Backup status (stale after 1d 2h, at 2026-11-27 08:00 UTC)');
    expect(lines).toContain('client.example.com:');
    const header = lines[lines.indexOf('client.example.com:') + 1]!;
    expect(header.trim().split(/\s{2,}/)).toEqual(['set', 'status', 'latest', 'time', 'age', 'last run', 'tags', 'paths']);
    const odoo = lines.find((l) => l.includes('odoo volume'))!;
    for (const part of ['4a5f1c2e', '2026-11-27 01:00 UTC', '6h 59m', 'ok 2026-11-27 01:00 UTC', 'odoo01,postgres01', '/var/lib/docker/volumes/odoo_data01/_data']) {
      expect(odoo).toContain(part);
    }
  });

  it('flags stale and failing sets, and unreadable hosts', () => {
    const wiki = lines.find((l) => l.includes('wiki volume'))!;
    expect(wiki).toContain('STALE,FAILING');
    expect(wiki).toContain('3d 7h');
    expect(wiki).toContain('failed (exit 1) 2026-11-27 01:00 UTC');
    expect(lines[lines.indexOf(wiki) + 1]).toBe('      last run said: Fatal: unable to open config file: Stat: 401 Unauthorized <b>@admin</b> see #12');
    expect(lines.find((l) => l.includes('new set'))).toMatch(/new set\s+STALE\s+—.*never ran/);
    expect(text).toContain('client03.example.com: could not read backup status: Host key verification failed');
    expect(lines.at(-1)).toBe('3 hosts, 4 backup sets, 2 stale, 1 failing, 1 host unreadable');
  });
});

describe('snapshot summary: job summary HTML', () => {
  const html = snapshotSummaryHtml(snapshotReport);

  it('has one table per readable host', () => {
    expect(html.match(/<table>/g)).toHaveLength(2);
    expect(html).toContain('<h3><code>client.example.com</code></h3>');
    expect(html).toContain('<td><code>4a5f1c2e</code></td>');
    expect(html).toContain('<td>⚠️ stale ❌ failing</td>');
    expect(html).toContain('<p>❌ could not read backup status: Host key verification failed');
    // A blank line would end the HTML block in the summary's markdown.
    expect(html).not.toMatch(/\n\s*\n/);
  });

  it('escapes everything that came from hosts or the inventory', () => {
    const evil: SnapshotReport = {
      ...snapshotReport,
      hosts: [
        {
          host: 'client.example.com',
          status: 'ok',
          sets: [
            {
              setId: '<img src=x onerror=alert(1)>',
              slug: 'x',
              latest: { id: 'a', shortId: '<i>a</i>', time: '2026-11-27T01:00:00Z', ageSeconds: 5, paths: ['/data/<script>'], tags: ['</td><td>'] },
              lastRun: { status: 'failed', exitCode: 2, message: '<b>boom</b>\n\n| not | a table | @admin #5' },
              stale: false,
              failing: true,
            },
          ],
        },
      ],
    };
    const out = snapshotSummaryHtml(evil);
    const tags = [...out.matchAll(/<\/?([a-z0-9]+)/g)].map((m) => m[1]);
    const ours = new Set(['h2', 'p', 'h3', 'code', 'table', 'tr', 'th', 'td', 'br']);
    expect(tags.filter((t) => !ours.has(t!))).toEqual([]);
    expect(out.match(/<td>/g)).toHaveLength(8); // the injected </td><td> did not add a cell
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(out).toContain('&lt;/td&gt;&lt;td&gt;');
    expect(out).not.toMatch(/@admin|#5/);
    expect(visibleText(out)).toContain('<b>boom</b>');
    expect(out).not.toMatch(/\n\s*\n/);
  });
});

describe('staleWarnings', () => {
  it('warns once per stale or failing set and per unreadable host', () => {
    const warnings = staleWarnings(snapshotReport);
    expect(warnings.map((w) => [w.host, w.setId, w.problems])).toEqual([
      ['client02.example.com', 'wiki volume', ['stale', 'failing']],
      ['client02.example.com', 'new set', ['stale']],
      ['client03.example.com', undefined, ['unreadable']],
    ]);
    expect(warnings[0]!.message).toBe(
      'client02.example.com: backup set "wiki volume": newest snapshot e1d2c3b4 is 3d 7h old (stale after 1d 2h); last run failed (exit 1) 2026-11-27 01:00 UTC: Fatal: unable to open config file: Stat: 401 Unauthorized <b>@admin</b> see #12',
    );
    expect(warnings[0]!.title).toBe('Backup stale and failing: wiki volume on client02.example.com');
    expect(warnings[1]!.message).toContain('no snapshot at all (stale after 1d 2h)');
  });

  it('is empty when every set is fresh and fine', () => {
    expect(staleWarnings({ ...snapshotReport, hosts: [snapshotReport.hosts[0]!] })).toEqual([]);
  });

  it('redacts', () => {
    new Secret('s3cr3t-in-a-message', 'test');
    const report: SnapshotReport = {
      ...snapshotReport,
      hosts: [{ host: 'h', status: 'failed', reason: 'auth failed for rest:http://u:s3cr3t-in-a-message@srv', sets: [] }],
    };
    expect(staleWarnings(report)[0]!.message).toBe('h: could not read backup status: auth failed for rest:http://u:***@srv');
  });
});

describe('restore report', () => {
  it('shows snapshot, time, files, bytes, duration, safety snapshot and containers', () => {
    const html = restoreSummaryHtml(restoreInPlace);
    expect(html).toContain('<h2>Restore: <code>odoo volume</code> on <code>client.example.com</code></h2>');
    for (const row of [
      '<tr><th>outcome</th><td>✅ restored</td></tr>',
      '<tr><th>snapshot</th><td>4a5f1c2e (4a5f1c2e9b7d3f8a6c0e1d2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c0b1a2f)</td></tr>',
      '<tr><th>snapshot time</th><td>2026-11-27 01:00 UTC</td></tr>',
      '<tr><th>files</th><td>1204</td></tr>',
      '<tr><th>bytes</th><td>46.1 MiB</td></tr>',
      '<tr><th>duration</th><td>41.3s</td></tr>',
      '<tr><th>safety snapshot</th><td>b7e2a9c1</td></tr>',
      '<tr><th>containers stopped</th><td>odoo01, odoo01-worker</td></tr>',
      '<tr><th>containers started</th><td>odoo01, odoo01-worker</td></tr>',
    ]) {
      expect(html).toContain(row);
    }
    const log = restoreLogText({ ...restoreInPlace, outcome: 'failed', message: 'restic restore failed\n::error::x' });
    expect(log).toContain('  outcome             failed');
    expect(log).toContain('  safety snapshot     b7e2a9c1');
    expect(log).toContain('  message             restic restore failed :');
  });

  it('marks a dry run', () => {
    expect(restoreSummaryHtml({ ...restoreInPlace, dryRun: true, outcome: 'planned' })).toContain('<h2>Restore (dry run):');
  });
});

describe('job summary', () => {
  it('puts the plan in without the marker', () => {
    const md = planSummaryMarkdown(destructiveChange, { runUrl: 'https://github.com/a/b/actions/runs/1' });
    expect(md).not.toContain(PLAN_COMMENT_MARKER);
    expect(md).toContain('**hosts: 2 changed / 1 unchanged / 0 failed / 0 skipped**');
  });

  it('renders the result table', () => {
    const html = resultTableHtml([{ host: 'c1', outcome: 'failed', changed: 0, reason: '<x>', durationMs: 10 }]);
    expect(html).toContain('<tr><td><code>c1</code></td><td>❌ failed: &lt;x&gt;</td><td>—</td><td>10ms</td></tr>');
  });

  it('writes redacted parts to the summary file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rf-summary-')), 'summary.md');
    writeFileSync(file, '');
    const before = process.env.GITHUB_STEP_SUMMARY;
    process.env.GITHUB_STEP_SUMMARY = file;
    try {
      new Secret('summary-secret-123', 'test');
      await writeJobSummary([snapshotSummaryHtml(snapshotReport), '<p>leak summary-secret-123</p>']);
      const written = readFileSync(file, 'utf8');
      expect(written).toContain('<h3><code>client.example.com</code></h3>');
      expect(written).toContain('<p>leak ***</p>');
      expect(written).not.toContain('summary-secret-123');
    } finally {
      if (before === undefined) delete process.env.GITHUB_STEP_SUMMARY;
      else process.env.GITHUB_STEP_SUMMARY = before;
    }
  });
});

describe('formatting', () => {
  it('formats times and sizes', () => {
    expect(formatTime('2026-11-24T01:00:02.5+01:00')).toBe('2026-11-24 00:00 UTC');
    expect(formatTime('not a time')).toBe('not a time');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});

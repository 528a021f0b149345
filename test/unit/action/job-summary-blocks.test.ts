// The job summary mixes HTML parts (tables) and markdown parts (the plan). On GitHub an
// HTML block runs until a blank line, so a markdown part right after a table would be
// shown as raw `### …` text: writeJobSummary must separate the parts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeJobSummary } from '../../../src/action/write.js';
import { planSummaryMarkdown, resultTableHtml, snapshotSummaryHtml } from '../../../src/report/summary.js';
import { destructiveChange } from '../../fixtures/report/plans.js';
import { snapshotReport } from '../../fixtures/report/snapshots.js';
import { markdownInsideHtmlBlocks } from '../../e2e/support/action.js';

describe('job summary blocks', () => {
  it('the checker sees markdown glued to an HTML block', () => {
    expect(markdownInsideHtmlBlocks('<table>\n<tr><td>x</td></tr>\n</table>\n### plan\n\n**bold**')).toEqual(['### plan']);
    expect(markdownInsideHtmlBlocks('<table>\n</table>\n\n### plan')).toEqual([]);
  });

  it('apply\'s summary (tables, then the plan in markdown) keeps the markdown outside HTML blocks', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rf-summary-')), 'summary.md');
    writeFileSync(file, '');
    const before = process.env.GITHUB_STEP_SUMMARY;
    process.env.GITHUB_STEP_SUMMARY = file;
    try {
      const { summary } = await import('@actions/core');
      summary.emptyBuffer();
      const results = [{ host: 'c1', outcome: 'changed' as const, changed: 1, durationMs: 10 }];
      await writeJobSummary([resultTableHtml(results, 'Hosts (apply)'), snapshotSummaryHtml(snapshotReport), planSummaryMarkdown(destructiveChange)]);
      const written = readFileSync(file, 'utf8');
      expect(written).toContain('### restic-fleet plan');
      expect(markdownInsideHtmlBlocks(written)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.GITHUB_STEP_SUMMARY;
      else process.env.GITHUB_STEP_SUMMARY = before;
    }
  });
});

import type * as core from '@actions/core';
import { formatDiagnostic, type Diagnostic } from '../inventory/types.js';
import { showControls } from '../safe-text.js';
import * as log from './log.js';

/**
 * Every diagnostic goes to the log; each also becomes an annotation with file, line and
 * column so it shows on the pull request's diff (GitHub shows 10 errors + 10 warnings
 * per step; the log has all of them). Diagnostics quote inventory text (variable names,
 * ids, file names), so both go through the action's output channel.
 */
export function annotate(diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) {
    const props: core.AnnotationProperties = d.pos
      ? { file: d.pos.file, startLine: d.pos.line, startColumn: d.pos.col, title: d.key ? `restic-fleet: ${d.key}` : 'restic-fleet' }
      : { title: 'restic-fleet' };
    // A diagnostic is one record: a newline inside it (a variable name, an id) is shown as \n.
    const text = showControls(d.key ? `${d.key}: ${d.message}` : d.message);
    if (d.severity === 'error') log.error(text, props);
    else log.warning(text, props);
  }
  for (const d of diagnostics) log.infoRecord(formatDiagnostic(d));
}

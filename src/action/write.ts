/**
 * What the action writes besides the log: step outputs and the job summary. The texts come
 * from src/report/ (pure renderers); writing them is the door's job.
 */
import * as core from '@actions/core';
import { outputEntries, type ActionOutputs } from '../report/outputs.js';
import { redact } from '../secret.js';

export function setActionOutputs(o: ActionOutputs, setOutput: (name: string, value: string) => void = core.setOutput): void {
  for (const [name, value] of outputEntries(o)) setOutput(name, value);
}

/**
 * Appends the parts (HTML or markdown, already escaped by the renderers in src/report/) to
 * the job summary, redacted, and writes it. GitHub keeps at most 1 MiB per step. Parts are
 * separated by a blank line: an HTML block (`<table>`, `<p>`, …) runs until a blank line, so
 * markdown right after one (the plan after the snapshot table) would otherwise show as raw text.
 */
export async function writeJobSummary(parts: string[], summary: typeof core.summary = core.summary): Promise<void> {
  for (const part of parts) summary.addRaw(`${redact(part).replace(/\n+$/, '')}\n`, true);
  await summary.write();
}

/**
 * The action's one output channel. Everything that may carry text from the inventory, a
 * host or git reaches the job log through here: redacted, control characters visible, and
 * never a line the runner would run as a workflow command. The only raw workflow commands
 * the action emits are its own: `::add-mask::` (core.setSecret), `::group::`/`::endgroup::`,
 * annotations (core.error/warning; @actions/core escapes their data and properties) and
 * the file commands (outputs, summary). Nothing else in src/ calls core.info and friends.
 */
import * as core from '@actions/core';
import { redact } from '../secret.js';
import { safeBlock, safeRecord, showControls } from '../safe-text.js';

/** Annotation text: one message, possibly several lines (core escapes CR/LF/% as the runner requires); other controls visible. */
const annotationText = (s: string): string => showControls(redact(s), true);

const safeProps = (p: core.AnnotationProperties): core.AnnotationProperties =>
  p.title === undefined ? p : { ...p, title: safeRecord(p.title) };

/** A block of lines (plan, tables, remote output). */
export function info(text: string): void {
  core.info(safeBlock(text));
}

/** One record (a diagnostic, an error): newlines inside it are shown as `\n`. */
export function infoRecord(text: string): void {
  core.info(safeRecord(text));
}

export function warning(text: string, props?: core.AnnotationProperties): void {
  core.warning(annotationText(text), props && safeProps(props));
}

export function error(text: string, props?: core.AnnotationProperties): void {
  core.error(annotationText(text), props && safeProps(props));
}

export function setFailed(text: string): void {
  core.setFailed(annotationText(text));
}

/** A collapsible log group: the title is one record, the lines a block. */
export function group(title: string, lines: string[]): void {
  core.startGroup(safeRecord(title));
  for (const l of lines) core.info(safeBlock(l));
  core.endGroup();
}

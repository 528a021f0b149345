import { SH_FILES, type ShFileName } from '../sh/files.generated.js';
import { posixQuote } from '../util/posix-quote.js';

/**
 * The only place shell text is made. A `ShellText` holds text that is safe to hand
 * to `sh -c`: either constant script text written in this codebase (`script`) or
 * text built by quoting every interpolated value (`sh`). A plain string never
 * becomes a command: the transport only accepts ShellText.
 */
export class ShellText {
  private constructor(readonly text: string) {}
  /** @internal only this module makes ShellText. */
  static _make(text: string): ShellText {
    return new ShellText(text);
  }
  toString(): string {
    return this.text;
  }
}

/** POSIX single-quote quoting: safe for any string without NUL (util/posix-quote.ts). */
export function quote(value: string | number): ShellText {
  return ShellText._make(posixQuote(value));
}

type Interpolated = string | number | ShellText | ReadonlyArray<string | number | ShellText>;

/**
 * Tagged template: sh`restic backup ${path} --tag ${tag}` quotes every value;
 * ShellText values are inserted as they are; arrays become space-separated words.
 */
export function sh(strings: TemplateStringsArray, ...values: Interpolated[]): ShellText {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += Array.isArray(v) ? v.map(word).join(' ') : word(v as string | number | ShellText);
    out += strings[i + 1] ?? '';
  });
  return ShellText._make(out);
}

function word(v: string | number | ShellText): string {
  return v instanceof ShellText ? v.text : quote(v).text;
}

/**
 * Constant script text written in this codebase (the probe, the runner script).
 * Never pass data derived from input here: use `sh`/`quote` for that.
 */
export function script(text: string): ShellText {
  return ShellText._make(text);
}

/** Joins already-safe fragments. */
export function joinShell(parts: ShellText[], sep: '\n' | ' ' | ' && ' | '; ' = '\n'): ShellText {
  return ShellText._make(parts.map((p) => p.text).join(sep));
}

/** Wraps a command so the remote side kills it after `seconds` (closing an SSH channel does not). */
export function withTimeout(seconds: number, cmd: ShellText): ShellText {
  return sh`timeout --kill-after=10 ${Math.max(1, Math.floor(seconds))} sh -c ${cmd.text}`;
}

/** Runs a command as root through sudo without a password prompt (ansible_become). */
export function withBecome(cmd: ShellText): ShellText {
  return sh`sudo -n sh -c ${cmd.text}`;
}

/** A remote script file's text (src/sh/*.sh: constant, written in this repository). */
export function shFile(name: ShFileName): ShellText {
  return ShellText._make(SH_FILES[name]);
}

import { script, type ShellText } from '../shell.js';
import { SH_FILES, type ShFileName } from './files.generated.js';

/** A remote script file's text (constant, written in this repository: see README.md here). */
export function shFile(name: ShFileName): ShellText {
  return script(SH_FILES[name]);
}

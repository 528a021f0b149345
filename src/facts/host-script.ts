import { CACHE_DIR, HOST_LOCK, PASSWORD_FILE, PRE_RESTORE_TAG, REPOSITORY_FILE, SET_TAG_PREFIX, STATUS_DIR, VERIFIED_FILE } from '../desired/runner-script.js';
import { joinShell, quote, script, shFile, type ShellText } from '../remote/shell.js';
import type { ShFileName } from '../sh/files.generated.js';

/** See HostFacts.generation. */
export const GENERATION_FILE = '/var/lib/restic-fleet/generation';
/** What the probe remembers between runs (restic's and docker's versions, keyed by what changes them). */
export const PROBE_CACHE_FILE = '/var/lib/restic-fleet/probe-cache';

/** The host paths and tags that src/sh/*.sh name as @NAME@ words. */
const CONSTANTS: Record<string, string> = {
  REPOSITORY_FILE,
  PASSWORD_FILE,
  VERIFIED_FILE,
  CACHE_DIR,
  HOST_LOCK,
  STATUS_DIR,
  SET_TAG_PREFIX,
  PRE_RESTORE_TAG,
  GENERATION_FILE,
  PROBE_CACHE_FILE,
};

/** One file's text with its @NAME@ words filled in (each a plain shell word: `quote` leaves it bare). */
function fill(name: ShFileName, extra: Record<string, string>): string {
  return shFile(name).text.replace(/@([A-Z_]+)@/g, (m, k: string) => {
    const v = extra[k] ?? CONSTANTS[k];
    if (v === undefined) throw new Error(`src/sh/${name}.sh names an unknown constant ${m}`);
    if (quote(v).text !== v) throw new Error(`constant ${k} is not a plain shell word`);
    return v;
  });
}

/** One file's functions alone (for a script that already has the prelude). */
export function hostFunctions(name: ShFileName): ShellText {
  return script(fill(name, {}));
}

/** The shared prelude followed by the named files' functions: the start of every remote command. */
export function hostScript(names: ShFileName[], extra: Record<string, string> = {}): ShellText {
  return joinShell(['prelude' as const, ...names].map((n) => script(fill(n, extra))));
}

import { createHash } from 'node:crypto';
import type { DesiredHost } from '../desired/types.js';
import { joinShell, script, sh, type ShellText } from '../remote/shell.js';
import { reveal } from '../secret.js';
import { PASSWORD_FILE, REPOSITORY_FILE } from '../desired/runner-script.js';
import { hostScript } from './host-script.js';

export { GENERATION_FILE } from './host-script.js';

/**
 * One batched POSIX-sh probe per host: everything the plan needs, in one round trip.
 * The functions live in src/sh/probe.sh (and repo-check.sh). Output is a sequence of
 * sections "@@rf <kind> <name>" followed by one line of value; file and JSON contents
 * travel base64-encoded so nothing can forge a marker.
 */
export interface Probe {
  command: ShellText;
  /** Repository URL and password for the repository check: sent on stdin, never in argv. */
  stdin?: string;
}

export interface ProbeOptions {
  /** Check the repository with the desired credentials (false while its server is about to change). */
  checkRepo: boolean;
}

export function buildProbe(d: DesiredHost, opts: ProbeOptions): Probe {
  const parts: ShellText[] = [hostScript(d.client ? ['probe', 'repo-check'] : ['probe']), script('probe_start')];
  let stdin: string | undefined;

  if (d.server) {
    const s = d.server;
    parts.push(sh`probe_server ${s.container.name} ${s.network ?? ''}`);
    parts.push(sh`probe_dirs ${s.dataDir}`);
    parts.push(sh`sec htpasswd ${s.htpasswdPath}; if [ -f ${s.htpasswdPath} ]; then b64 < ${s.htpasswdPath}; else echo -; fi`);
  }

  if (d.client) {
    const c = d.client;
    const volumes = [...new Set(c.sets.flatMap((s) => (s.volume ? [s.volume] : [])))];
    if (volumes.length) parts.push(sh`probe_volumes ${volumes}`);
    else if (!d.server) parts.push(script('docker_section 0'));
    parts.push(script('probe_client_versions'));
    if (c.dirs.length) parts.push(sh`probe_dirs ${c.dirs.map((x) => x.path)}`);
    if (c.files.length) parts.push(sh`probe_files ${c.files.map((f) => f.path)}`);
    for (const f of c.files) {
      if (typeof f.content === 'string' && f.path.startsWith('/etc/cron.d/')) parts.push(sh`probe_content ${f.path}`);
    }
    parts.push(script('probe_status_records'));
    if (opts.checkRepo) {
      parts.push(script(`sec repo x; IFS= read -r RF_URL; IFS= read -r RF_PW; IFS= read -r RF_WANT; repo_check_desired "$RF_URL" "$RF_PW" "$RF_WANT"`));
      const credentials = [REPOSITORY_FILE, PASSWORD_FILE].map((p) => reveal(c.files.find((f) => f.path === p)!.content)).join('');
      const want = createHash('sha256').update(credentials).digest('hex');
      stdin = `${reveal(c.repository.url)}\n${c.repository.password.reveal()}\n${want}\n`;
    } else {
      // The server changes first (the new credentials may not work yet): ask with the
      // installed ones only whether the repository already exists.
      parts.push(
        sh`sec repo-installed x; if [ -f ${REPOSITORY_FILE} ] && [ -f ${PASSWORD_FILE} ]; then repo_check_files ${REPOSITORY_FILE} ${PASSWORD_FILE}; else echo -; fi`,
      );
    }
  } else if (!d.server) {
    parts.push(script('docker_section 0'));
  }
  return { command: joinShell(parts), stdin };
}

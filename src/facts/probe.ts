import { createHash } from 'node:crypto';
import type { DesiredHost } from '../desired/types.js';
import { joinShell, script, sh, type ShellText } from '../remote/shell.js';
import { reveal } from '../secret.js';
import { PASSWORD_FILE, REPOSITORY_FILE } from '../desired/runner-script.js';
import { REPO_CHECK_FUNCTION } from './repo-check.js';

/** See HostFacts.generation. */
export const GENERATION_FILE = '/var/lib/restic-fleet/generation';

/**
 * One batched POSIX-sh probe per host: everything the plan needs, in one round trip.
 * Output is a sequence of sections "@@rf <kind> <name>" followed by one line of
 * value; file and JSON contents travel base64-encoded so nothing can forge a marker.
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

const PRELUDE = script(`set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 077
sec() { printf '@@rf %s %s\\n' "$1" "$2"; }
b64() { base64 -w0 2>/dev/null; echo; }
statf() { # path: "mode owner group sha256" or "-"
  if [ -f "$1" ]; then
    printf '%s %s\\n' "$(stat -c '%a %U %G' "$1")" "$(sha256sum < "$1" | cut -d' ' -f1)"
  else echo -; fi
}
statd() { if [ -d "$1" ]; then stat -c '%a %U' "$1"; else echo -; fi; }
sec uid x; id -u
sec generation x; cat ${GENERATION_FILE} 2>/dev/null || echo 0
sec docker x; docker version --format '{{.Server.Version}}' 2>/dev/null || echo -`);

export function buildProbe(d: DesiredHost, opts: ProbeOptions): Probe {
  const parts: ShellText[] = [PRELUDE];
  let stdin: string | undefined;

  if (d.server) {
    const s = d.server;
    parts.push(sh`sec dir ${s.dataDir}; statd ${s.dataDir}`);
    parts.push(sh`sec htpasswd ${s.htpasswdPath}; if [ -f ${s.htpasswdPath} ]; then b64 < ${s.htpasswdPath}; else echo -; fi`);
    parts.push(
      sh`sec container ${s.container.name}; docker inspect --type container --format '{{json .}}' ${s.container.name} 2>/dev/null | b64`,
    );
    if (s.network) {
      parts.push(sh`sec network ${s.network}; docker network inspect --format '{{.Name}}' ${s.network} >/dev/null 2>&1 && echo yes || echo no`);
    }
  }

  if (d.client) {
    const c = d.client;
    parts.push(script(`sec restic x; restic version 2>/dev/null | head -n 1 || echo -
sec restic-package x; dpkg-query -W -f '\${Status} \${Version}\\n' restic 2>/dev/null | sed -n 's/^install ok installed //p' | grep . || echo -`));
    for (const dir of c.dirs) parts.push(sh`sec dir ${dir.path}; statd ${dir.path}`);
    for (const f of c.files) {
      parts.push(sh`sec file ${f.path}; statf ${f.path}`);
      if (typeof f.content === 'string' && f.path.startsWith('/etc/cron.d/')) {
        parts.push(sh`sec content ${f.path}; if [ -f ${f.path} ]; then b64 < ${f.path}; else echo -; fi`);
      }
    }
    for (const v of [...new Set(c.sets.flatMap((s) => (s.volume ? [s.volume] : [])))]) {
      parts.push(sh`sec volume ${v}; docker volume inspect --format '{{.Mountpoint}}' ${v} 2>/dev/null || echo -`);
    }
    parts.push(REPO_CHECK_FUNCTION);
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
  }
  return { command: joinShell(parts), stdin };
}

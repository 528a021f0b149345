// A client host in a temp dir for the runner script (src/sh/runner.sh): its fixed paths point
// into the dir, and fake restic / docker / curl / pg_dump on PATH record what they were asked.
// The fakes behave as the real tools do where the runner depends on it: restic --stdin reads to
// EOF and saves a snapshot only then (SIGINT before that saves none), --stdin-from-command fails
// when its command fails, docker exec runs the dump script with the container's environment.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUNNER_SCRIPT } from '../../src/desired/runner-script.js';
import { run, type RunResult } from '../../lab/run.js';

const RESTIC = `#!/bin/sh
T=__T__
echo "$*" >> $T/restic.calls
[ "$1" = version ] && { echo "restic $(cat $T/restic-version) compiled with go1.24 on linux/amd64"; exit 0; }
while [ $# -gt 0 ]; do case "$1" in --no-lock) shift ;; --retry-lock) shift 2 ;; *) break ;; esac; done
snap() { id=$(printf '%016x' $(date +%s%N)); echo "$id" >> $T/snapshots
  echo '{"message_type":"summary","files_new":3,"files_changed":1,"files_unmodified":7,"data_added":4096,"total_duration":0.5,"snapshot_id":"'$id'"}'; }
case "$1" in
  list) cat $T/locks 2> /dev/null; exit 0 ;;
  cat) cat "$T/lock-$3.json"; exit 0 ;;
  unlock) echo unlock >> $T/unlocked; exit 0 ;;
  forget|prune|snapshots) [ "$1" = snapshots ] && echo '[]'; exit 0 ;;
  backup)
    [ -f $T/restic-sleep ] && sleep "$(cat $T/restic-sleep)"
    [ -f $T/restic-fail ] && { echo "Fatal: unable to save snapshot: boom" >&2; exit 1; }
    case " $* " in
      *" --stdin-from-command "*)
        while [ "$1" != "--" ]; do shift; done; shift
        # Like restic 0.17+: the command's stderr relayed as "subprocess <command>: …" lines,
        # here after restic's own error (the order the runner must not depend on).
        "$@" > $T/stdin.data 2> $T/subprocess.err || { rc=$?
          echo "{\\"message_type\\":\\"error\\",\\"error\\":{\\"message\\":\\"Fatal: command failed: exit status $rc\\"}}" >&2
          sed "s/^/subprocess $(basename "$1"): /" $T/subprocess.err >&2
          echo "Fatal: unable to save snapshot: command exited non-zero" >&2; exit 1; }
        snap ;;
      *" --stdin "*)
        trap 'printf "\\033[2Ksignal interrupt received, cleaning up\\n" >&2; exit 130' INT
        exec 3<&0; cat <&3 > $T/stdin.data & wait $!
        snap ;;
      *) snap ;;
    esac ;;
esac
exit 0
`;

const DOCKER = `#!/bin/sh
T=__T__
case "$1" in
  volume) echo $T/vol ;;
  ps) cat $T/ps 2> /dev/null ;;
  inspect) echo true ;;
  stop) shift; for c; do echo "stop $c" >> $T/docker.calls; echo "$c"; done ;;
  start) echo "start $2" >> $T/docker.calls; echo "$2" ;;
  exec) shift; [ "$1" = -u ] && { echo "exec-user $2" >> $T/docker.calls; shift 2; }; echo "exec $1" >> $T/docker.calls
    [ "$1" = gone ] && { echo "Error response from daemon: No such container: gone" >&2; exit 1; }; shift
    POSTGRES_PASSWORD=pg-env-secret MARIADB_ROOT_PASSWORD=maria-env-secret exec "$@" ;;
esac
`;

const DUMP = `#!/bin/sh
T=__T__
echo "$(basename $0) $* PGPASSWORD=\${PGPASSWORD:-} MYSQL_PWD=\${MYSQL_PWD:-}" >> $T/dump.calls
echo "-- dump of $*"
if [ -f $T/dump-fail ]; then echo 'pg_dump: error: connection to server failed' >&2; exit 1; fi
[ -f $T/dump-hang ] && sleep 30
echo "-- PostgreSQL database dump complete"
`;

const CURL = `#!/bin/sh
T=__T__
echo "ARGV $*" >> $T/curl.calls
cat >> $T/curl.calls
`;

export interface FakeHost {
  dir: string;
  runner: (args: string[], env?: Record<string, string>) => Promise<RunResult>;
  read: (name: string) => string;
  has: (name: string) => boolean;
  write: (name: string, text: string) => void;
  status: (name: string) => Record<string, unknown>;
  /** The runner's text with its fixed paths inside the temp dir. */
  script: string;
  cleanup: () => void;
}

export function fakeHost(resticVersion = '0.14.0'): FakeHost {
  const dir = mkdtempSync(join(tmpdir(), 'rf-host-'));
  for (const d of ['bin', 'etc', 'lib', 'log', 'cache', 'lock', 'vol']) mkdirSync(join(dir, d));
  const tool = (name: string, text: string) => {
    writeFileSync(join(dir, 'bin', name), text.replaceAll('__T__', dir));
    chmodSync(join(dir, 'bin', name), 0o755);
  };
  tool('restic', RESTIC);
  tool('docker', DOCKER);
  tool('pg_dump', DUMP);
  tool('pg_dumpall', DUMP);
  tool('mariadb-dump', DUMP);
  tool('curl', CURL);
  writeFileSync(join(dir, 'restic-version'), resticVersion);
  writeFileSync(join(dir, 'vol', 'data.txt'), 'hello');
  const script = RUNNER_SCRIPT.replaceAll('/etc/cron.d/restic-fleet', `${dir}/cron`)
    .replaceAll('/etc/restic-fleet', `${dir}/etc`)
    .replaceAll('/var/lib/restic-fleet', `${dir}/lib`)
    .replaceAll('/var/log/restic-fleet', `${dir}/log`)
    .replaceAll('/var/cache/restic-fleet', `${dir}/cache`)
    .replaceAll('/var/lock', `${dir}/lock`)
    .replace('\nPATH=/usr/local/sbin', `\nPATH=${dir}/bin:/usr/local/sbin`);
  writeFileSync(join(dir, 'run'), script);
  writeFileSync(join(dir, 'etc', 'repository'), 'rest:http://u:p@127.0.0.1:1/r\n');
  writeFileSync(join(dir, 'etc', 'password'), 'pw\n');
  const p = (name: string) => join(dir, name);
  return {
    dir,
    script,
    runner: (args, env = {}) =>
      run('sh', [p('run'), ...args], { env: { PATH: process.env.PATH, RESTIC_FLEET_LOCK_WAIT: '0', RESTIC_FLEET_LOCK_RETRIES: '1', ...env }, timeoutSeconds: 60 }),
    read: (name) => (existsSync(p(name)) ? readFileSync(p(name), 'utf8') : ''),
    has: (name) => existsSync(p(name)),
    write: (name, text) => writeFileSync(p(name), text),
    status: (name) => JSON.parse(readFileSync(p(`lib/status/${name}.json`), 'utf8')) as Record<string, unknown>,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

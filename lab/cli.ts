// `npm run lab -- up [--clients N] | down | status | reset`: real hosts on this machine for the
// e2e tests and the demo (README, section "The lab").
import { down, reset, status, up } from './lifecycle.js';

const USAGE = `usage: npm run lab -- <command>
  up [--clients N] [--light]
                     build images if needed, start 1 server + N clients (default 2), write the state dir;
                     clients are mixed: odd-numbered bookworm (restic 0.14), even-numbered trixie (restic 0.18);
                     --light (or RF_LAB_LIGHT=1): clients run sshd, cron and restic but no docker engine,
                     with seed files in /srv/data and no backup sets in the inventory (50-100 fit on 2 cores)
  down               remove every container, network, volume and rule the lab created
  status             show the lab (each host's kind and restic version); exit 0 healthy, 1 unhealthy, 3 down
  reset              return a running lab to its fresh state (fast, containers kept)
images on the server host: restic-fleet/rest-server:lab and :lab2 (the real rest-server 0.13.0),
  :lab-slow (listens RF_LAB_START_DELAY s after start, default 8) and :lab-dead (never listens; test-only)
env: RF_LAB_DIR (state dir, default <repo>/.lab), RF_LAB_CACHE (build cache, default lab/.cache),
     RF_LAB_SUBNET (default 10.213.0.0/24), RF_LAB_MIRROR (Debian mirror; default: the one in /etc/apt's sources),
     RF_LAB_CLIENT_KIND (mixed | bookworm | trixie, default mixed), RF_LAB_LIGHT=1 (light clients, as --light),
     RF_LAB_PREFIX (container/network name prefix, default rf-lab: a second lab needs its own prefix, subnet and dir)`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up': {
      let clients = 2;
      let light: boolean | undefined;
      for (let i = 0; i < rest.length; i++) {
        const a = rest[i]!;
        if (a === '--clients') clients = Number(rest[++i]);
        else if (a.startsWith('--clients=')) clients = Number(a.slice('--clients='.length));
        else if (a === '--light') light = true;
        else throw new Error(`unknown option ${a}\n${USAGE}`);
      }
      await up({ clients, light });
      return status();
    }
    case 'down':
      await down();
      return 0;
    case 'status':
      return status();
    case 'reset':
      await reset();
      return 0;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      console.error(`unknown command ${cmd}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`lab: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);

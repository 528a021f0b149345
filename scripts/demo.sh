#!/usr/bin/env bash
# The whole job against the local lab, as the blog post does it with Ansible: one rest-server
# host and two clients with Docker volumes; converge them from the lab's inventory (the
# seed's layout), trigger every backup set once through its installed cron job's own
# command, and print the snapshots. Run on a fresh Debian machine as root:
#   npm ci --ignore-scripts && npm run demo
# The lab stays up afterwards (npm run lab -- down removes it).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --ignore-scripts --no-audit --no-fund

LAB=${RF_LAB_DIR:-$PWD/.lab}
CLI=(node dist/cli/index.js)
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "lab: 1 server + 2 clients (real sshd, docker engine, cron and restic in each host)"
if [ -f "$LAB/state.json" ] && npm run --silent lab -- status >/dev/null 2>&1; then
  echo "reusing the running lab in $LAB"
else
  npm run --silent lab -- up --clients 2
fi
INV=$LAB/inventory/inventories/lab
# --root: the inventory must be inside it (the lab directory may be outside this checkout).
CONN=(-i "$INV" --root "$LAB/inventory" --env-file "$LAB/secrets.env" --key "$LAB/id_ed25519" --known-hosts "$LAB/known_hosts")

step "validate the inventory ($INV)"
"${CLI[@]}" validate "${CONN[@]}"

step "plan"
"${CLI[@]}" plan "${CONN[@]}"

step "apply (converge servers, then clients; one restic init for the shared repository)"
"${CLI[@]}" apply "${CONN[@]}"

step "apply again: nothing to change"
"${CLI[@]}" apply "${CONN[@]}"

step "trigger every backup set once, through the command its cron job runs"
# This lab's own containers (state.json), not every lab's on the engine (RF_LAB_PREFIX).
lab_containers() { node -e 'for (const h of require(process.argv[1]).hosts) console.log(h.container)' "$LAB/state.json" | sort; }
for container in $(lab_containers); do
  docker exec "$container" test -f /etc/cron.d/restic-fleet 2>/dev/null || continue
  # Lines "m h dom mon dow root COMMAND": run COMMAND with sh, as cron would.
  docker exec "$container" sh -c "grep -E '^[^#]\\S* \\S+ \\S+ \\S+ \\S+ root .* backup ' /etc/cron.d/restic-fleet | sed -E 's/^(\\S+ ){6}//'" |
    while IFS= read -r job; do
      echo "$container: $job"
      docker exec "$container" sh -c "$job"
    done
done

step "snapshots (restic-fleet snapshots)"
"${CLI[@]}" snapshots "${CONN[@]}"

step "restic snapshots on a client, with the installed root-only credentials (the blog post's last picture)"
client=$(lab_containers | grep client | head -n 1)
docker exec "$client" restic --repository-file /etc/restic-fleet/repository --password-file /etc/restic-fleet/password snapshots

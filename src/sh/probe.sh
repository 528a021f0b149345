#!/bin/sh
# shellcheck shell=sh
# The plan's probe (facts/probe.ts): one round trip, sections "@@rf <kind> <name>" then one
# value line. Cheap on a no-op: one docker call, no restic process (versions cached in
# @PROBE_CACHE_FILE@, keyed by the stat of what changes them), files stat'ed and hashed in
# one call each.

# The line of text $1 (lines "<value...> <key>") that ends in " $2", or fails: builtins only.
line_ending() {
  RF_TXT="$1
"
  RF_PRE=${RF_TXT%%" $2
"*}
  [ "$RF_PRE" != "$RF_TXT" ] && printf '%s\n' "${RF_PRE##*
}"
}

probe_base() {
  sec uid x; id -u
  RF_GEN=0; [ -f @GENERATION_FILE@ ] && read -r RF_GEN 2>/dev/null < @GENERATION_FILE@
  sec generation x; echo "${RF_GEN:-0}"
}

# Versions of restic (first line of `restic version`), its Debian package and the docker
# engine, from the cache while restic's binary, dpkg's database and docker's socket are
# unchanged (a new daemon makes a new socket). Sets RF_RESTIC RF_PKG RF_DOCKER.
probe_versions() {
  RF_BIN=$(command -v restic) || RF_BIN=
  RF_KEY=$(stat -L -c '%n %i %s %Y' "${RF_BIN:-/nonexistent}" /var/lib/dpkg/status /var/run/docker.sock 2>/dev/null | tr '\n' ' ')
  if [ -f @PROBE_CACHE_FILE@ ] && { IFS= read -r RF_K && IFS= read -r RF_RESTIC && IFS= read -r RF_PKG && IFS= read -r RF_DOCKER; } 2>/dev/null < @PROBE_CACHE_FILE@ \
     && [ "$RF_K" = "$RF_KEY" ]; then
    return 0
  fi
  RF_RESTIC=-; [ -n "$RF_BIN" ] && RF_RESTIC=$(restic version 2>/dev/null | head -n 1 | grep .) || RF_RESTIC=-
  RF_PKG=$(dpkg-query -W -f '${Status} ${Version}\n' restic 2>/dev/null | sed -n 's/^install ok installed //p' | grep .) || RF_PKG=-
  RF_DOCKER=$(docker version --format '{{.Server.Version}}' 2>/dev/null | grep .) || RF_DOCKER=-
  # A stopped daemon is asked again: docker_section does not trust a "-" here.
  if [ -d "$(dirname @PROBE_CACHE_FILE@)" ]; then
    # Without root (no become) the directory is not writable: then every probe asks.
    printf '%s\n%s\n%s\n%s\n' "$RF_KEY" "$RF_RESTIC" "$RF_PKG" "$RF_DOCKER" 2>/dev/null > @PROBE_CACHE_FILE@.tmp && mv -f @PROBE_CACHE_FILE@.tmp @PROBE_CACHE_FILE@ 2>/dev/null
  fi
  return 0
}

# The engine's version when the probe's docker call succeeded ($1: its exit code), else asks.
docker_section() {
  sec docker x
  if [ "$1" = 0 ] && [ "$RF_DOCKER" != - ]; then echo "$RF_DOCKER"
  elif docker version --format '{{.Server.Version}}' 2>/dev/null | grep .; then :
  else echo -; fi
}

probe_server() { # container network-or-empty
  RF_SERVER=yes
  docker inspect --type container --format '{{json .}}{{"\n"}}{{range $k, $v := .NetworkSettings.Networks}} {{$k}}{{end}} ' "$1" > "$RF_TMP/c" 2>/dev/null
  RF_RC=$?
  docker_section "$RF_RC"
  sec container "$1"; if [ "$RF_RC" = 0 ]; then head -n 1 "$RF_TMP/c" | b64; else echo; fi
  if [ -n "$2" ]; then
    sec network "$2"
    # The container's own networks answer on a no-op; otherwise ask docker.
    if [ "$RF_RC" = 0 ] && case "$(tail -n 1 "$RF_TMP/c")" in *" $2 "*) true ;; *) false ;; esac; then echo yes
    elif docker network inspect --format '{{.Name}}' "$2" >/dev/null 2>&1; then echo yes
    else echo no; fi
  fi
}

probe_volumes() { # volume...: one `docker volume ls` for all
  RF_VOLS=$(docker volume ls --format '{{.Mountpoint}} {{.Name}}' 2>/dev/null)
  RF_RC=$?
  [ "$RF_SERVER" = yes ] || docker_section "$RF_RC"
  for RF_V do
    sec volume "$RF_V"
    RF_L=$(line_ending "$RF_VOLS" "$RF_V") && echo "${RF_L% "$RF_V"}" || echo -
  done
}

probe_dirs() { # path...: "mode owner" or "-" each
  RF_ST=$(stat -c '%a %U %n' -- "$@" 2>/dev/null)
  for RF_P do
    sec dir "$RF_P"
    if [ -d "$RF_P" ] && RF_L=$(line_ending "$RF_ST" "$RF_P"); then echo "${RF_L% "$RF_P"}"; else echo -; fi
  done
}

probe_files() { # path...: "mode owner group sha256" or "-" each
  RF_ST=$(stat -c '%a %U %G %n' -- "$@" 2>/dev/null)
  RF_SUMS=$(sha256sum -- "$@" 2>/dev/null) # "<hash>  <path>": the hash keeps a trailing space
  for RF_P do
    sec file "$RF_P"
    if [ -f "$RF_P" ] && RF_L=$(line_ending "$RF_ST" "$RF_P") && RF_H=$(line_ending "$RF_SUMS" "$RF_P"); then
      echo "${RF_L% "$RF_P"} ${RF_H% "$RF_P"}"
    else echo -; fi
  done
}

probe_content() { # path: base64 of a file that is not secret (the cron file)
  sec content "$1"; if [ -f "$1" ]; then b64 < "$1"; else echo -; fi
}

probe_client_versions() {
  sec restic x; echo "$RF_RESTIC"
  sec restic-package x; echo "$RF_PKG"
}

# The runner's status records (one JSON object per set), for the snapshot report.
probe_status_records() {
  for RF_F in @STATUS_DIR@/*.json; do
    [ -f "$RF_F" ] || continue
    RF_N=${RF_F##*/}
    sec status-record "${RF_N%.json}"; b64 < "$RF_F"
  done
}

probe_start() {
  RF_SERVER=no
  probe_base
  RF_TMP=$(mktemp -d) || exit 1
  trap 'rm -rf "$RF_TMP"' EXIT
  probe_versions
}

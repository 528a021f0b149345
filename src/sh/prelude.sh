#!/bin/sh
# shellcheck shell=sh
# The one prelude every remote command starts with: fail on unset variables, a known PATH
# (cron's and sshd's differ), and files created private by default. Words like @HOST_LOCK@ are
# restic-fleet's constant host paths and tags, filled in by facts/host-script.ts.
set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 077

# A section of the answer: "@@rf <name...>" then one value line (parsed by facts/sections.ts).
sec() { printf '@@rf %s\n' "$*"; }
# stdin as one base64 line: values that could hold anything cannot forge a marker.
b64() { base64 -w0 2>/dev/null; echo; }

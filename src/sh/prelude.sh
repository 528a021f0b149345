#!/bin/sh
# shellcheck shell=sh
# The one prelude every remote command starts with: fail on unset variables, a known PATH
# (cron's and sshd's differ), and files created private by default.
set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 077

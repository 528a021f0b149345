#!/bin/sh
# shellcheck shell=sh
# Opens the repository with given credentials (see facts/repo-check.ts). The URL and
# password arrive as shell variables read from stdin and go into 0600 temp files for
# --repository-file/--password-file: never argv, never the environment.
# repo_check_* print "<exit code> <base64 stderr tail>".

installed_hash() { cat @REPOSITORY_FILE@ @PASSWORD_FILE@ 2>/dev/null | sha256sum | cut -d' ' -f1; }
mark_verified() {
  mkdir -p "$(dirname @VERIFIED_FILE@)" && installed_hash > @VERIFIED_FILE@.tmp && chmod 600 @VERIFIED_FILE@.tmp && mv -f @VERIFIED_FILE@.tmp @VERIFIED_FILE@
}
verified_recently() { [ -n "$(find @VERIFIED_FILE@ -mmin -1440 2>/dev/null)" ] && [ "$(cat @VERIFIED_FILE@)" = "$(installed_hash)" ]; }
repo_check_files() { # repository-file password-file
  RF_ERR=$(mktemp) || { echo "99 $(echo mktemp failed | base64 -w0)"; return; }
  timeout 20 restic --repository-file "$1" --password-file "$2" --no-lock --no-cache cat config >/dev/null 2>"$RF_ERR"
  RF_RC=$?
  [ "$RF_RC" = 0 ] && [ "$1" = @REPOSITORY_FILE@ ] && mark_verified
  printf '%s %s\n' "$RF_RC" "$(tail -n 5 "$RF_ERR" | base64 -w0)"
  rm -f "$RF_ERR"
}
repo_check_stdin() { # url password
  RF_T=$(mktemp -d) || return
  printf '%s\n' "$1" > "$RF_T/repository"; printf '%s\n' "$2" > "$RF_T/password"
  repo_check_files "$RF_T/repository" "$RF_T/password"
  rm -rf "$RF_T"
}
repo_check_desired() { # url password sha256-of-the-desired-credential-files
  if [ "$(installed_hash)" != "$3" ]; then repo_check_stdin "$1" "$2"
  elif verified_recently; then echo "0 $(printf 'verified within the last day' | base64 -w0)"
  else repo_check_files @REPOSITORY_FILE@ @PASSWORD_FILE@; fi
}

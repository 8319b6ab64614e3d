#!/usr/bin/env bash
# electorctl's bash completion (deploy/bash-completion/electorctl), sourced after bash-completion
# itself as an interactive shell has it: commands, cluster commands, options, and an option's
# value skipped, against the electorctl just built.
# Usage: check_completion.sh BIN_DIR COMPLETION_SCRIPT
set -uo pipefail
bin_dir=$1 script=$2
[ -r /usr/share/bash-completion/bash_completion ] || {
  echo "FAIL: bash-completion is not installed (scripts/install-deps.sh)"
  exit 1
}
# shellcheck disable=SC1091
source /usr/share/bash-completion/bash_completion 2>/dev/null
# shellcheck disable=SC1090
source "$script"
PATH="$bin_dir:$PATH"

failed=0
# expect "WORDS TYPED, the last being completed" "EXPECTED COMPREPLY, sorted"
expect() {
  read -r -a COMP_WORDS <<<"$1"
  [[ $1 == *' ' ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE=$1
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _electorctl electorctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  local got
  got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
  if [ "$got" != "$2" ]; then
    echo "FAIL: '$1' completes to '$got', expected '$2'"
    failed=1
  fi
}

[ "$(complete -p electorctl 2>/dev/null)" = "complete -F _electorctl electorctl" ] || {
  echo "FAIL: the script does not register _electorctl for electorctl"
  exit 1
}
expect "electorctl cl" "clear-leader cluster"
expect "electorctl " \
  "attach clear-leader cluster elect is-leader leader members run status term watch"
expect "electorctl --" "--control --help --token-file --version"
expect "electorctl cluster " "attach down freeze kill ps start status thaw ui up wait"
expect "electorctl cluster up --" "--base-port --dir --electord --help"
expect "electorctl cluster wait --e" "--expect"
expect "electorctl elect --s" "--sync"
expect "electorctl watch --" "--count --duration --help"
# An option's value is not a command: "le" after --control VALUE is still the command.
expect "electorctl --control 127.0.0.1:7947 le" "leader"
expect "electorctl --control le" ""
# After run's --, the command to run: here, a program on PATH.
expect "electorctl run --grace 10 -- electorc" "electorctl"
if [ "$failed" = 0 ]; then echo "electorctl completion: ok"; fi
exit "$failed"

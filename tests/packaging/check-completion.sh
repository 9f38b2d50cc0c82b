#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# Drive completion/ptimerctl.bash the way bash does: set COMP_WORDS and
# COMP_CWORD, call the function, compare COMPREPLY.
set -euo pipefail

SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=/dev/null
source "$SRC/completion/ptimerctl.bash"

fails=0
tmp=$(mktemp -d)
victim_pid=
cleanup()
{
	if [[ -n $victim_pid ]]; then
		kill "$victim_pid" 2>/dev/null || true
		wait "$victim_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

ok()   { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# complete WORD... : the last word is the one being completed
complete_line()
{
	COMP_WORDS=("$@")
	COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMP_TYPE=9
	COMPREPLY=()
	set +e
	_ptimerctl_module ptimerctl "${COMP_WORDS[COMP_CWORD]}" \
		"${COMP_WORDS[COMP_CWORD-1]}"
	set -e
}

reply() { printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | paste -sd' ' -; }

# expect NAME "EXPECTED (sorted, space separated)" WORD...
expect()
{
	local name=$1 want=$2 got
	shift 2
	complete_line "$@"
	got=$(reply)
	if [[ $got == "$want" ]]; then
		ok "$name"
	else
		fail "$name: want [$want] got [$got]"
	fi
}

# has NAME ITEM WORD... : ITEM is one of the replies
has()
{
	local name=$1 item=$2 r
	shift 2
	complete_line "$@"
	for r in "${COMPREPLY[@]}"; do
		[[ $r == "$item" ]] && { ok "$name"; return; }
	done
	fail "$name: [$item] not in [$(reply)]"
}

# hasnt NAME ITEM WORD...
hasnt()
{
	local name=$1 item=$2 r
	shift 2
	complete_line "$@"
	for r in "${COMPREPLY[@]}"; do
		[[ $r == "$item" ]] && { fail "$name: [$item] offered"; return; }
	done
	ok "$name"
}

expect "subcommands" "check diff dump help list migrate restore show" ptimerctl ""
expect "help completes commands" "check diff dump help list migrate restore show" ptimerctl help ""
expect "help takes one command" "" ptimerctl help dump ""
expect "subcommand prefix" "restore" ptimerctl re
expect "subcommand after global option" "dump" ptimerctl -v du
expect "short options too" "--help --quiet --timeout= --usage --verbose --version -V -q -v" ptimerctl -
expect "global options" "--help --quiet --timeout= --usage --verbose --version" ptimerctl --
expect "dump options" "--disarm --help --keep-seccomp --kinds= --output --pretty --quiet --timeout= --usage --verbose" ptimerctl dump --
expect "show options" "--help --input --json --keep-seccomp --kinds= --list-columns --nanoseconds --noheadings --output --quiet --raw --timeout= --usage --verbose" ptimerctl show --
expect "list options" "--help --json --list-columns --min-timers --nanoseconds --noheadings --output --pid --quiet --raw --timeout= --usage --user --verbose" ptimerctl list --
expect "diff options" "--help --json --keep-seccomp --quiet --tid-map= --timeout= --tolerance= --usage --verbose" ptimerctl diff --
expect "show columns" "CLOCK CLOCKID" ptimerctl show -o CL
expect "show columns after a comma and +" "+ID,SIGNAL +ID,SIGNO +ID,SIGVAL" ptimerctl show -o +ID,sig
expect "list columns" "SIGEV_NONE SIGEV_SIGNAL SIGEV_THREAD SIGEV_THREAD_ID" ptimerctl list --output SIGEV
expect "show --json= values" "dump table" ptimerctl show --json = ""
expect "list --min-timers is free-form" "" ptimerctl list --min-timers ""
expect "list takes no PID" "" ptimerctl list ""
expect "check options" "--help --json --quiet --timeout= --usage --verbose" ptimerctl check --
expect "restore options" \
	"--dry-run --help --input --keep-seccomp --kinds= --max-walk-steps= --method= --no-progress --progress --quiet --replace --tid-map= --time= --timeout= --usage --verbose --verify" \
	ptimerctl restore --
expect "migrate options" \
	"--dry-run --help --keep-seccomp --kinds= --max-walk-steps= --method= --no-progress --progress --quiet --replace --tid-map= --time= --timeout= --usage --verbose" \
	ptimerctl migrate --
expect "--method values (= split)" "auto prctl walk" ptimerctl restore --method = ""
expect "--method value prefix (= split)" "walk" ptimerctl restore --method = w
expect "--method values (right after =)" "auto prctl walk" ptimerctl restore --method =
expect "--method values (no = split)" "prctl" ptimerctl restore --method=p
expect "--method values (separate word)" "auto prctl walk" ptimerctl migrate --method ""
expect "--time values" "deadline frozen" ptimerctl restore --time = ""
expect "--time value prefix" "deadline" ptimerctl migrate --time d
expect "--kinds values" "all itimer posix signals timerfd" ptimerctl dump --kinds = ""
expect "--kinds value prefix" "timerfd" ptimerctl restore --kinds=ti
expect "--kinds list: its last element" "posix,itimer" ptimerctl show --kinds=posix,it
expect "--tid-map is free-form" "" ptimerctl restore --tid-map ""
expect "--max-walk-steps is free-form" "" ptimerctl restore --max-walk-steps 1
expect "--max-iterations (its first name) too" "" ptimerctl restore --max-iterations 1
expect "unknown subcommand" "" ptimerctl frobnicate ""

# files for -o / -i, and "-" for stdin/stdout
touch "$tmp/dump-a.json" "$tmp/dump-b.json"
expect "-i completes files" "$tmp/dump-a.json $tmp/dump-b.json" ptimerctl restore -i "$tmp/dump-"
expect "--output completes files" "$tmp/dump-a.json $tmp/dump-b.json" ptimerctl dump --output "$tmp/du"
has "-i offers -" "-" ptimerctl show -i ""

# PIDs: a victim with a recognisable comm
cp "$(command -v sleep)" "$tmp/ptc-victim"
"$tmp/ptc-victim" 300 &
victim_pid=$!
# until its exec is done (the deadline only guards against a hang)
deadline=$((SECONDS + 60))
until [[ $(cat "/proc/$victim_pid/comm" 2>/dev/null) == ptc-victim ]]; do
	((SECONDS < deadline)) || { echo "check-completion: ptc-victim never ran" >&2; exit 1; }
	sleep 0.02
done

has "PID list shows comm" "$victim_pid (ptc-victim)" ptimerctl dump ""
has "PID list after options" "$victim_pid (ptc-victim)" ptimerctl restore --method = loop -i "$tmp/dump-a.json" -v ""
has "migrate offers a second PID" "$victim_pid (ptc-victim)" ptimerctl migrate 1 ""
# show -i FILE reads the dump, not a process: no PID after it
expect "show -i FILE takes no PID" "" ptimerctl show -i "$tmp/dump-a.json" ""
expect "show --input FILE takes no PID" "" ptimerctl show --input "$tmp/dump-a.json" ""
expect "show --input=FILE takes no PID" "" ptimerctl show --input = "$tmp/dump-a.json" ""
expect "show -iFILE takes no PID" "" ptimerctl show "-i$tmp/dump-a.json" ""
expect "show -i - takes no PID" "" ptimerctl show -J -i - ""
has "restore -i FILE still takes its PID" "$victim_pid (ptc-victim)" \
	ptimerctl restore -i "$tmp/dump-a.json" ""
has "diff offers a dump file first" "$tmp/dump-a.json" ptimerctl diff "$tmp/dump-"
hasnt "diff offers no PID first" "$victim_pid (ptc-victim)" ptimerctl diff ""
has "diff offers a PID second" "$victim_pid (ptc-victim)" ptimerctl diff "$tmp/dump-a.json" ""
has "diff offers a file second" "$tmp/dump-b.json" ptimerctl diff "$tmp/dump-a.json" "$tmp/dump-"
expect "diff takes two operands" "" ptimerctl diff a.json 1 ""
has "list --pid offers PIDs" "$victim_pid (ptc-victim)" ptimerctl list --pid ""
expect "migrate takes two PIDs" "" ptimerctl migrate 1 2 ""
expect "dump takes one PID" "" ptimerctl dump 1 ""

# The victim's own PID as the prefix: unique unless a longer PID shares it.
complete_line ptimerctl dump "$victim_pid"
if [[ ${#COMPREPLY[@]} == 1 ]]; then
	if [[ ${COMPREPLY[0]} == "$victim_pid" ]]; then
		ok "unique PID is inserted bare"
	else
		fail "unique PID is inserted bare: got [${COMPREPLY[0]}]"
	fi
else
	has "ambiguous PID prefix is described" "$victim_pid (ptc-victim)" ptimerctl dump "$victim_pid"
fi

# Every offer is "PID (comm)" or a bare PID, and the common prefix of the
# described list never runs past a PID.
complete_line ptimerctl check ""
bad=0
for r in "${COMPREPLY[@]}"; do
	[[ $r =~ ^[0-9]+(\ \(.*\))?$ ]] || { bad=1; fail "PID entry shape: [$r]"; }
done
(( bad )) || ok "PID entries are PID or 'PID (comm)'"

# menu-complete inserts each candidate: bare PIDs only
COMP_WORDS=(ptimerctl dump ""); COMP_CWORD=2; COMP_TYPE=37; COMPREPLY=()
set +e; _ptimerctl_complete_pid ""; set -e
bare=1
for r in "${COMPREPLY[@]}"; do [[ $r =~ ^[0-9]+$ ]] || bare=0; done
if (( bare )) && (( ${#COMPREPLY[@]} > 0 )); then
	ok "menu-complete gets bare PIDs"
else
	fail "menu-complete gets bare PIDs: [$(reply)]"
fi

# kernel threads (kthreadd, pid 2 when we share the init pid namespace) and
# zombies have no command line and are never offered
if [[ $(cat /proc/2/comm 2>/dev/null) == kthreadd ]]; then
	hasnt "kernel thread not offered" "2 (kthreadd)" ptimerctl dump 2
	hasnt "kernel thread not offered (bare)" "2" ptimerctl dump 2
else
	echo "skip kernel thread not offered: pid 2 is not kthreadd here"
fi
# a parent that never reaps: the exec'd sleep inherits the child, which
# exits only once it is told to, after the exec (bash itself would reap it)
mkfifo "$tmp/zgo"
bash -c 'sh -c "read x <\"\$1\"" sh "$2" & echo $! > "$1"; exec sleep 300' sh "$tmp/zpid" \
	"$tmp/zgo" &
zparent=$!
deadline=$((SECONDS + 60))
until [[ -s $tmp/zpid && $(cat "/proc/$zparent/comm" 2>/dev/null) == sleep ]]; do
	((SECONDS < deadline)) || break
	sleep 0.02
done
zpid=$(cat "$tmp/zpid" 2>/dev/null || true)
if [[ -n $zpid ]]; then
	echo go >"$tmp/zgo"
	until [[ $(awk '{print $3}' "/proc/$zpid/stat" 2>/dev/null) == Z ]]; do
		((SECONDS < deadline)) || break
		sleep 0.02
	done
fi
if [[ -n $zpid && $(awk '{print $3}' "/proc/$zpid/stat" 2>/dev/null) == Z ]]; then
	hasnt "zombie not offered" "$zpid" ptimerctl dump "$zpid"
	hasnt "zombie not offered (described)" "$zpid ($(cat "/proc/$zpid/comm"))" \
		ptimerctl dump "$zpid"
else
	echo "skip zombie not offered: could not hold a zombie"
fi
kill "$zparent" 2>/dev/null || true
wait "$zparent" 2>/dev/null || true

# the file parses and registers under a bash that has no bash-completion
if bash --norc --noprofile -c "source '$SRC/completion/ptimerctl.bash' && complete -p ptimerctl" \
	| grep -q -- '-F _ptimerctl_module ptimerctl'; then
	ok "registers with complete -F"
else
	fail "registers with complete -F"
fi

if (( fails )); then
	echo "check-completion: $fails failure(s)"
	exit 1
fi
echo "check-completion: all passed"
exit 0

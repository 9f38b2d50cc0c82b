# SPDX-License-Identifier: GPL-2.0-or-later
# SPDX-FileCopyrightText: The ptimerctl authors
# bash completion for ptimerctl(1).
#
# Standalone: it needs neither the bash-completion package nor any of its
# helpers.  PIDs are offered from /proc; when more than one matches, each is
# shown as "PID (comm)" so the list says what the process is, and once the
# word is unique only the PID is inserted.

# Print the PIDs, one per line, that a ptimerctl could act on: processes with
# a command line (so no kernel threads and no zombies), owned by us unless we
# are root.  Each line is "PID comm".
_ptimerctl_pids()
{
	local dir pid comm cmdline
	for dir in /proc/[0-9]*; do
		pid=${dir#/proc/}
		[[ $pid == "$1"* ]] || continue
		if (( EUID != 0 )) && [[ ! -O $dir ]]; then
			continue
		fi
		cmdline=
		# the process may be gone by now: silence the redirection
		IFS= read -r -d '' cmdline 2>/dev/null < "$dir/cmdline"
		[[ -n $cmdline ]] || continue
		comm=
		IFS= read -r comm 2>/dev/null < "$dir/comm"
		[[ -n $comm ]] || continue
		printf '%s %s\n' "$pid" "$comm"
	done
}

# Fill COMPREPLY with the PIDs starting with $1.
_ptimerctl_complete_pid()
{
	local -a lines
	local line
	mapfile -t lines < <(_ptimerctl_pids "$1")
	COMPREPLY=()
	if (( ${#lines[@]} == 1 )) || [[ ${COMP_TYPE-} == 37 ]]; then
		# one match, or menu-complete cycling through insertions: PIDs only
		for line in "${lines[@]}"; do
			COMPREPLY+=("${line%% *}")
		done
	else
		# only shown, never inserted past the common prefix, which stops
		# inside the PID because no PID followed by " (" prefixes another
		for line in "${lines[@]}"; do
			COMPREPLY+=("${line%% *} (${line#* })")
		done
	fi
}

# The column names of show's or list's tables, for -o: after the last comma
# of the word (and a leading '+'), the words before it kept.
_ptimerctl_complete_columns()
{
	local cols head=${2%"${2##*[,+]}"} last=${2##*[,+]} c
	case $1 in
	# every kind's: -o names the columns of --kinds=KIND's table
	show)	cols='ID CLOCK NOTIFY SIGNAL TID REMAINING INTERVAL OVERRUN SIGVAL CLOCKID SIGNO
		      WHICH FD SETTIME FDFLAGS TICKS QUEUE TIMER' ;;
	list)	cols='PID USER UID COMM THREADS TIMERS TIMERFDS REALTIME MONOTONIC BOOTTIME TAI ALARM CPU
		      SIGEV_SIGNAL SIGEV_NONE SIGEV_THREAD SIGEV_THREAD_ID' ;;
	esac
	COMPREPLY=()
	for c in $(compgen -W "$cols" -- "${last^^}"); do
		COMPREPLY+=("$head$c")
	done
	compopt -o nospace 2>/dev/null || :
}

_ptimerctl_module()
{
	local cur prev i word sub= opt= eq= npos=0 maxpos=0 input=0
	local commands='dump show check restore migrate list diff help'
	local global_opts='--verbose --quiet --timeout= --help --usage --version -v -q -V'
	local walk_opts='--method= --time= --tid-map= --replace --dry-run
			 --max-walk-steps= --progress --no-progress --keep-seccomp --kinds='
	local sub_opts common_opts='--verbose --quiet --timeout= --help --usage -v -q'
	local table_opts='--output --list-columns --noheadings --raw --nanoseconds -o -n -r'

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	# "--method=lo" arrives as "--method" "=" "lo" when '=' breaks words
	# (the default); handle it as one option and its value.
	if [[ $cur == '=' && $prev == --* ]]; then
		opt=$prev
		cur=
		eq=1
	elif [[ $prev == '=' ]] && (( COMP_CWORD >= 2 )); then
		opt=${COMP_WORDS[COMP_CWORD-2]}
		eq=1
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		cur=${cur#*=}
		eq=1
	else
		opt=$prev
	fi

	# Find the subcommand and count the positional words before this one.
	for (( i = 1; i < COMP_CWORD; i++ )); do
		word=${COMP_WORDS[i]}
		case $word in
		-i|--input|-i?*|--input=*)
			# show reads the dump instead of a process: no PID then
			input=1 ;;
		esac
		case $word in
		-o|--output|-i|--input|--method|--time|--tid-map|--max-walk-steps|--max-iterations|\
		-p|--pid|-u|--user|--min-timers|--tolerance|--kinds)
			# a value follows, as the next word or after a separate "="
			if [[ ${COMP_WORDS[i+1]-} == '=' ]]; then
				(( i += 2 ))
			else
				(( i++ ))
			fi
			continue ;;
		=)	continue ;;
		-*)	continue ;;
		esac
		if [[ -z $sub ]]; then
			sub=$word
		else
			(( npos++ ))
		fi
	done

	case $opt in
	--method)
		COMPREPLY=($(compgen -W 'auto prctl walk' -- "$cur"))
		return 0 ;;
	--time)
		COMPREPLY=($(compgen -W 'frozen deadline' -- "$cur"))
		return 0 ;;
	--kinds)
		# a comma-separated list: complete its last element, keep the rest
		local done_kinds=
		[[ $cur == *,* ]] && done_kinds=${cur%,*},
		COMPREPLY=($(compgen -P "$done_kinds" \
			-W 'posix itimer timerfd signals all' -- "${cur##*,}"))
		compopt -o nospace 2>/dev/null || :
		return 0 ;;
	-o|--output)
		# show and list take columns: complete the last of a comma list
		if [[ $sub == show || $sub == list ]]; then
			_ptimerctl_complete_columns "$sub" "$cur"
			return 0
		fi
		compopt -o filenames 2>/dev/null || :
		COMPREPLY=($(compgen -f -- "$cur"))
		[[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
		return 0 ;;
	--json)
		# show's --json takes a value, joined by '=' only
		if [[ -n $eq && $sub == show ]]; then
			COMPREPLY=($(compgen -W 'dump table' -- "$cur"))
			return 0
		fi ;;
	-p|--pid)
		_ptimerctl_complete_pid "${cur##*,}"
		return 0 ;;
	-u|--user)
		COMPREPLY=($(compgen -u -- "$cur"))
		return 0 ;;
	--min-timers|--tolerance)
		# free-form: a count, a time such as 5ms
		return 0 ;;
	-i|--input)
		compopt -o filenames 2>/dev/null || :
		COMPREPLY=($(compgen -f -- "$cur"))
		[[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
		return 0 ;;
	--tid-map|--max-walk-steps|--max-iterations)
		# free-form values: OLD:NEW[,OLD:NEW...] and a count
		# (--max-iterations: the first name of --max-walk-steps, not offered)
		return 0 ;;
	esac

	case $sub in
	'')
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return 0 ;;
	help)
		if [[ $cur != -* ]] && (( npos == 0 )); then
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return 0 ;;
	dump)	sub_opts="--output --pretty --disarm --keep-seccomp --kinds= -o $common_opts"
		maxpos=1 ;;
	show)	sub_opts="--json --input --keep-seccomp --kinds= -J -i $table_opts $common_opts"
		(( input )) || maxpos=1 ;;
	check)	sub_opts="--json -J $common_opts"; maxpos=1 ;;
	restore) sub_opts="--input -i --verify $walk_opts $common_opts"; maxpos=1 ;;
	migrate) sub_opts="$walk_opts $common_opts"; maxpos=2 ;;
	list)	sub_opts="--pid --user --min-timers --json -p -u -J $table_opts $common_opts"
		maxpos=0 ;;
	diff)	sub_opts="--json --tolerance= --tid-map= --keep-seccomp -J $common_opts"
		# a dump file, then a PID or a second dump file
		if [[ $cur != -* ]]; then
			compopt -o filenames 2>/dev/null || :
			COMPREPLY=($(compgen -f -- "$cur"))
			(( npos == 0 )) && [[ -z $cur || $cur == - ]] && COMPREPLY+=(-)
			if (( npos == 1 )); then
				local -a files=("${COMPREPLY[@]}")
				_ptimerctl_complete_pid "$cur"
				COMPREPLY+=("${files[@]}")
			fi
			(( npos < 2 )) || COMPREPLY=()
			return 0
		fi ;;
	*)	return 0 ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$sub_opts" -- "$cur"))
		# an option that wants "=VALUE" gets no space after it
		if [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *= ]]; then
			compopt -o nospace 2>/dev/null || :
		fi
		return 0
	fi
	if (( npos < maxpos )); then
		_ptimerctl_complete_pid "$cur"
	fi
	return 0
}
complete -F _ptimerctl_module ptimerctl

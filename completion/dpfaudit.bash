# bash completion for dpfaudit                              -*- shell-script -*-
#
# Commands, options, report formats and check ids come from the binary
# itself (`dpfaudit --help`, `dpfaudit CMD --help`, `dpfaudit explain
# --list`), so the completion never lags behind the option tables.

_dpfaudit()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion -n = || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local bin=${words[0]}

	if [ "$cword" -eq 1 ]; then
		local cmds
		cmds=$("$bin" --help 2>/dev/null | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p')
		COMPREPLY=($(compgen -W "$cmds help --help --version" -- "$cur"))
		return
	fi
	local cmd=${words[1]}
	if [ "$cmd" = help ]; then
		[ "$cword" -eq 2 ] && COMPREPLY=($(compgen -W "$("$bin" --help 2>/dev/null |
			sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p')" -- "$cur"))
		return
	fi

	case $prev in
	--report)
		local fmts="text json html sarif junit csv markdown"
		case $cmd in
		trace) fmts="text csv json html" ;;
		test) fmts="junit:" ;;
		esac
		compopt -o nospace 2>/dev/null
		COMPREPLY=($(compgen -W "$fmts" -- "$cur"))
		return ;;
	--fail-on)
		COMPREPLY=($(compgen -W "low medium high critical" -- "$cur"))
		return ;;
	-r|--rules|--baseline|--write-baseline|--events|--partial|--pseudonymize)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	esac

	if [[ $cur == -* ]]; then
		local opts
		opts=$("$bin" "$cmd" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	if [ "$cmd" = explain ]; then
		COMPREPLY=($(compgen -W "$("$bin" explain --list 2>/dev/null | awk '{print $1}')" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _dpfaudit dpfaudit

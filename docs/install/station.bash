# bash completion for station(1): commands, each command's options (read
# from its own --help, so they never go stale), model and plan names, serial
# ports, and file names where an option takes a file.
_station()
{
	local cur prev cmd
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=${COMP_WORDS[1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "$(station --help 2>/dev/null | awk '/^  [a-z]/ {print $1}')" -- "$cur"))
		return
	fi
	case $prev in
	--model|--identity)
		COMPREPLY=($(compgen -W "$(station models 2>/dev/null | awk 'NR > 1 && !/^\(/ {sub(/ +(headphones|earbuds).*/, ""); gsub(/ /, "-"); print}')" -- "$cur"))
		return ;;
	--plan)
		COMPREPLY=($(compgen -W "$(station plans 2>/dev/null | awk '{print $1}')" -- "$cur"))
		return ;;
	--fixture)
		COMPREPLY=($(compgen -W "$(ls /dev/station-fixture /dev/ttyUSB* /dev/ttyACM* 2>/dev/null) sim numato: tcp:" -- "$cur"))
		return ;;
	--db|--junit|--out|--captures|--limits|--csv|--batch)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(station "$cmd" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
	fi
}
complete -F _station station

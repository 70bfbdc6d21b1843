# bash completion for netns(1)                             -*- shell-script -*-
#
# The subcommands and their options are read from the command's own --help
# (`netns --help`, `netns COMMAND --help`), so they follow the installed
# version; namespace names come from `netns list` (honouring --run-dir and
# NETNS_RUN_DIR), PIDs from ps. Installed as
# $(pkg-config --variable=completionsdir bash-completion)/netns by `make
# install`; needs bash-completion's helpers (_init_completion and friends).

# _netns_usage NETNS CMD: the usage lines of `NETNS CMD --help` (or of
# `NETNS --help` when CMD is empty), each from the word after CMD on.
_netns_usage()
{
    local netns=$1 cmd=$2
    if [[ -z $cmd ]]; then
        "$netns" --help 2>/dev/null | sed -n '/^Commands:/q; s/^\(Usage:\)\{0,1\} *netns//p'
        return
    fi
    "$netns" "$cmd" --help 2>/dev/null |
        awk -v c="$cmd" '$1 == "netns" || ($1 == "Usage:" && $2 == "netns") {
            for (i = 1; i <= NF; i++)
                if ($i == c) {
                    for (j = i + 1; j <= NF; j++) printf "%s ", $j
                    print ""
                    break
                }
        }'
}

# _netns_options USAGE: the options (-x, --long) that usage lines name, and
# --help, which every subcommand takes.
_netns_options()
{
    { grep -oE '(^|[[ |])--?[a-zA-Z][a-zA-Z0-9-]*' <<<"$1" | sed 's/^[[ |]//'; echo --help; } | sort -u
}

# _netns_names NETNS RUNDIR: the names in the run directory, one a line,
# without the notes `netns list` adds after them ("(id: 3)", "(broken: ...)").
_netns_names()
{
    local args=(list)
    [[ -n $2 ]] && args=(--run-dir "$2" list)
    "$1" "${args[@]}" 2>/dev/null | sed 's/ ([^()]*)$//'
}

_netns()
{
    local cur prev words cword
    _init_completion || return

    # The global options' arguments: no subcommand takes these options.
    case $prev in
        --run-dir) _filedir -d; return ;;
        -b | --batch) _filedir; return ;;
    esac
    local netns=${words[0]} rundir="" cmd="" cmdi=0 i w
    # The global options before the subcommand; -b FILE is batch mode.
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        case $w in
            --run-dir) ((i++)); rundir=${words[i]} ;;
            --run-dir=*) rundir=${w#--run-dir=} ;;
            -b | --batch) return ;;
            -*) ;;
            *) cmd=$w cmdi=$i; break ;;
        esac
    done
    rundir=${rundir/#\~/$HOME}

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$(_netns_options "$(_netns_usage "$netns" "")")" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$("$netns" --help 2>/dev/null |
                awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')" -- "$cur"))
        fi
        return
    fi

    local usage
    usage=$(_netns_usage "$netns" "$cmd")
    # An option's argument (usage shows `-p PORT`): nothing to offer.
    if [[ $prev == -* ]] && grep -qE -- "(^|[[ ])$prev [A-Z]" <<<"$usage"; then
        return
    fi
    # The position of the current word among the arguments that are not
    # options nor an option's argument; `exec` hands the rest to the program.
    local pos=1 all=""
    for ((i = cmdi + 1; i < cword; i++)); do
        w=${words[i]}
        if [[ $w == -* && $w != - ]]; then
            [[ $w == --all ]] && all=1
            grep -qE -- "(^|[[ ])$w [A-Z]" <<<"$usage" && ((i++))
        elif [[ $cmd == exec ]]; then
            # exec NAME [--] PROGRAM ARGS... (exec --all [--] PROGRAM ARGS...):
            # the program's own completion.
            local off=$((i + 1))
            [[ -n $all ]] && off=$i
            [[ $off -lt $cword && ${words[off]} == -- ]] && ((off++))
            _command_offset "$off"
            return
        else
            ((pos++))
        fi
    done
    if [[ $cmd == exec && -n $all && $cur != -* ]]; then
        _command_offset "$cword"
        return
    fi
    # lab COMMAND ...: its commands; gen's shapes; graph -o's pictures; the
    # labs that are up (RUNDIR-lab/LAB.json) and lab files.
    if [[ $cmd == lab && $cur != -* ]]; then
        local sub=${words[cmdi + 1]} labs=${rundir:-${NETNS_RUN_DIR:-/run/netns}}
        if ((pos == 1)); then
            COMPREPLY=($(compgen -W "up down list show exec check graph link gen" -- "$cur"))
        elif [[ $sub == gen ]]; then
            ((pos == 2)) && COMPREPLY=($(compgen -W "line ring star tree grid fat-tree" -- "$cur"))
        elif [[ $sub == link ]] && ((pos == 4)); then
            COMPREPLY=($(compgen -W "down up" -- "$cur"))
        elif [[ $sub == graph && $prev == -o ]]; then
            _filedir '@(svg|png|dot)'
        else
            if ((pos == 2)) && [[ $sub =~ ^(down|show|exec|check|graph|link)$ ]]; then
                labs=$(cd "${labs%/}-lab" 2>/dev/null && compgen -G '*.json')
                COMPREPLY=($(compgen -W "${labs//.json/}" -- "$cur"))
            fi
            [[ $sub == exec || $sub == link ]] || _filedir '@(yml|yaml)'
        fi
        return
    fi
    local kind=""
    case $cmd:$pos in
        delete:* | del:* | pids:1 | serve:* | exec:1 | set:1) kind=names ;;
        up:* | links:1 | disconnect:1 | connect:[12]) kind=names- ;;
        identify:1 | threads:* | watch:* | attach:2) kind=pids ;;
        add:* | attach:1 | list:* | ls:* | show:* | list-id:* | monitor:*) ;;
        *:1) [[ $usage == *NAME* ]] && kind=names ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_netns_options "$usage")" -- "$cur"))
        # `-` alone may also be this namespace (connect, links, up).
        [[ $cur == - && $kind == names- ]] && COMPREPLY+=(-)
        return
    fi
    case $kind in
        names | names-)
            # One name a line: a name may hold spaces.
            local IFS=$'\n' list
            list=$(_netns_names "$netns" "$rundir")
            [[ $kind == names- ]] && list+=$'\n-'
            COMPREPLY=($(compgen -W "$list" -- "$cur"))
            ;;
        pids) _pids ;;
    esac
}
complete -F _netns netns

#!/usr/bin/env bash
# A local PostgreSQL server for the gradebook, to try a shared gradebook on one machine
# (docs/instructor.md, "The gradebook in PostgreSQL"). It uses Debian's `postgresql` package
# (initdb and pg_ctl from /usr/lib/postgresql/<version>/bin), runs as an unprivileged user (the
# `postgres` user when started as root), keeps everything in a folder of its own, listens on
# 127.0.0.1 only, and asks for a password (written in the folder, readable by its owner only).
#
#   scripts/postgres.sh start [DIR]       start it (creating it the first time); prints the db_url
#   scripts/postgres.sh stop [DIR]        stop it (active connections are cut)
#   scripts/postgres.sh url [DIR] [DB]    the db_url of database DB (default autograd_course)
#   scripts/postgres.sh createdb DIR DB   one more database on it (one per course)
#
# DIR defaults to $AUTOGRAD_COURSE_PGDIR or /var/tmp/autograd-course-postgres; the port to
# $PGPORT or 5433 (5432 is left to a system-wide server). Then, for every nbgrader command and
# `autograd-course grade/export`:
#
#   export AUTOGRAD_COURSE_DB_URL=$(scripts/postgres.sh url)
set -euo pipefail

command=${1:-}
dir=${2:-${AUTOGRAD_COURSE_PGDIR:-/var/tmp/autograd-course-postgres}}
port=${PGPORT:-5433}
role=grader
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "postgres.sh: no PostgreSQL server here (install Debian's package: apt-get install" \
         "postgresql)" >&2
    exit 2
fi

# As root, the server runs as an unprivileged user (PostgreSQL refuses to run as root).
user=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
    user=${AUTOGRAD_COURSE_PGUSER:-postgres}
    id "$user" >/dev/null 2>&1 || user=nobody
fi
as_user() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

url() {
    local port_used
    port_used=$(sed -n 's/^port = \([0-9]*\).*/\1/p' "$dir/data/postgresql.auto.conf" \
                2>/dev/null | tail -n 1)
    echo "postgresql+psycopg://$role:$(cat "$dir/password")@127.0.0.1:${port_used:-$port}/$1"
}

createdb() {
    local port_used
    port_used=$(url postgres | sed 's/.*:\([0-9]*\)\/postgres$/\1/')
    PGPASSWORD=$(cat "$dir/password") "$bin/createdb" -h 127.0.0.1 -p "$port_used" -U "$role" \
        "$1" 2>/dev/null || \
        PGPASSWORD=$(cat "$dir/password") "$bin/psql" -h 127.0.0.1 -p "$port_used" -U "$role" \
            -d "$1" -qAtc "select 1" >/dev/null
}

case "$command" in
start)
    mkdir -p "$dir"
    [ "$(id -u)" -ne 0 ] || chown "$user" "$dir"
    chmod 700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        (umask 077; openssl rand -hex 16 > "$dir/password")
        [ "$(id -u)" -ne 0 ] || chown "$user" "$dir/password"
        as_user "$bin/initdb" -D "$dir/data" -U "$role" --pwfile="$dir/password" \
            --auth=scram-sha-256 -E UTF8 --no-instructions >"$dir/initdb.log"
        # the port and address are the server's own settings from now on
        printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n" \
            "$port" "$dir" | as_user tee -a "$dir/data/postgresql.auto.conf" >/dev/null
    fi
    as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 start >/dev/null
    createdb autograd_course
    url autograd_course
    ;;
stop)
    as_user "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 120 stop >/dev/null
    ;;
url)
    url "${3:-autograd_course}"
    ;;
createdb)
    createdb "${3:?name the database}"
    url "$3"
    ;;
*)
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac

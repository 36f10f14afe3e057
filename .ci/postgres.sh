# A throw-away PostgreSQL server for the catalogue's tests. Meant to be SOURCED (by .ci/run):
#
#   source .ci/postgres.sh      # installs Debian's postgresql if missing, starts a fresh cluster
#   ...                         # tests see FMNIST_TEST_POSTGRES_URL and FMNIST_REQUIRE_POSTGRES=1
#   stop_postgres               # stops the server and removes its directory (call it in an EXIT trap)
#
# The cluster lives in a temporary directory, listens on a free local TCP port (127.0.0.1 only) and
# on a socket in that directory, and is run by the `postgres` user: PostgreSQL refuses to run as
# root. Fails loudly (non-zero) if anything goes wrong.

start_postgres() {
  local bin port
  if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
      echo "postgres.sh: PostgreSQL is not installed and installing it needs root" >&2
      return 1
    fi
    apt-get update -qq || return 1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || return 1
  fi
  # The newest installed major version.
  bin="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d | sort -V | tail -n 1)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "postgres.sh: no initdb under /usr/lib/postgresql/*/bin" >&2
    return 1
  fi
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent postgres || return 1

  FMNIST_PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/fmnist-pg.XXXXXX")" || return 1
  chown postgres "$FMNIST_PG_DIR" && chmod 700 "$FMNIST_PG_DIR" || return 1
  # A free port: ask the kernel for one, then hand it to the server.
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" \
    || return 1

  _as_postgres() { runuser -u postgres -- "$@"; }
  _as_postgres "$bin/initdb" --pgdata="$FMNIST_PG_DIR/data" --auth=trust --username=postgres \
    --encoding=UTF8 --locale=C.UTF-8 >"$FMNIST_PG_DIR/initdb.log" 2>&1 || {
    cat "$FMNIST_PG_DIR/initdb.log" >&2
    return 1
  }
  _as_postgres "$bin/pg_ctl" --pgdata="$FMNIST_PG_DIR/data" --log="$FMNIST_PG_DIR/server.log" \
    --wait --timeout=60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $FMNIST_PG_DIR -c fsync=off" start >/dev/null || {
    cat "$FMNIST_PG_DIR/server.log" >&2
    return 1
  }
  FMNIST_PG_BIN="$bin"
  _as_postgres "$bin/psql" -h "$FMNIST_PG_DIR" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE catalogue LOGIN PASSWORD 'catalogue-test'" \
    -c "CREATE DATABASE catalogue_test OWNER catalogue" || return 1

  export FMNIST_TEST_POSTGRES_URL="postgresql+psycopg2://catalogue:catalogue-test@127.0.0.1:$port/catalogue_test"
  export FMNIST_REQUIRE_POSTGRES=1
  export FMNIST_PG_DIR FMNIST_PG_BIN
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') for the tests on 127.0.0.1:$port"
}

# Stop the throw-away server and remove its directory; safe to call twice or after a failed start.
stop_postgres() {
  if [ -n "${FMNIST_PG_DIR:-}" ] && [ -d "$FMNIST_PG_DIR" ]; then
    if [ -n "${FMNIST_PG_BIN:-}" ] && [ -f "$FMNIST_PG_DIR/data/postmaster.pid" ]; then
      runuser -u postgres -- "$FMNIST_PG_BIN/pg_ctl" --pgdata="$FMNIST_PG_DIR/data" \
        --mode=immediate --wait stop >/dev/null 2>&1 || true
    fi
    rm -rf "$FMNIST_PG_DIR"
  fi
  unset FMNIST_PG_DIR FMNIST_TEST_POSTGRES_URL FMNIST_REQUIRE_POSTGRES
}

start_postgres || {
  stop_postgres
  echo "postgres.sh: could not start PostgreSQL for the tests" >&2
  return 1 2>/dev/null || exit 1
}

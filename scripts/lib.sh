# Shared helpers for the scripts in this folder. Source it; it changes nothing by itself.

# need_pkg CMD PKG: install a Debian package when a command is missing (as root).
need_pkg() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "missing $1: install the Debian package $2 (sudo apt-get install -y $2)" >&2
    return 1
  fi
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

# ensure_build_deps: cgo needs a C compiler (SQLite, and DuckDB later).
ensure_build_deps() {
  need_pkg gcc gcc
  export CGO_ENABLED=1
}

# start_clickhouse: install Debian's clickhouse-server if missing and start it
# on 127.0.0.1:9000 (Native protocol). The package's own service start is
# blocked on these machines, so the server runs in the background here.
start_clickhouse() {
  if command -v clickhouse-client >/dev/null 2>&1 && clickhouse-client --query 'SELECT 1' >/dev/null 2>&1; then
    return 0
  fi
  need_pkg clickhouse-server clickhouse-server
  need_pkg clickhouse-client clickhouse-client
  local log=${TMPDIR:-/tmp}/deskmine-clickhouse.log
  if [ "$(id -u)" = 0 ]; then
    (cd /var/lib/clickhouse 2>/dev/null || cd /; clickhouse-server --config-file=/etc/clickhouse-server/config.xml >"$log" 2>&1 &)
  else
    echo "clickhouse-server is not running; start it as root" >&2
    return 1
  fi
  for _ in $(seq 1 60); do
    clickhouse-client --query 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "clickhouse-server did not answer within 60 s; see $log" >&2
  return 1
}

# ensure_assets: the dashboards embed echarts from its npm package, pinned by
# dashboards/web/package-lock.json; copy it where go:embed finds it. Runs
# before every build so a changed lock file takes effect.
ensure_assets() {
  need_pkg npm npm
  local web=dashboards/web out=dashboards/static/vendor
  npm ci --prefix "$web" --no-audit --no-fund --loglevel=error >/dev/null
  mkdir -p "$out"
  cp "$web/node_modules/echarts/dist/echarts.min.js" "$out/echarts.min.js"
}

# ensure_browser: the dashboards' browser tests drive Debian's chromium;
# a CJK font lets the Chinese pages render readable screenshots.
ensure_browser() {
  need_pkg chromium chromium
  if [ "$(id -u)" = 0 ] && ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then
    if [ -z "${APT_UPDATED:-}" ]; then
      apt-get update -qq >/dev/null
      APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null
  fi
}

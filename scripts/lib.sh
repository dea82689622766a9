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

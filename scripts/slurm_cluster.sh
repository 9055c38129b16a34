#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, for testing the `slurm` launcher preset against a
# real scheduler (experiments/README.md, "On a SLURM cluster").
#
#   scripts/slurm_cluster.sh install   install Debian's slurm-wlm, slurmdbd, munge, mariadb-server
#   scripts/slurm_cluster.sh start     install if needed, then start the daemons; prints SLURM_CONF=...
#   scripts/slurm_cluster.sh status    sinfo of the running cluster
#   scripts/slurm_cluster.sh stop      stop the daemons (the state is kept for the next start)
#
# Everything but munge's socket lives in $BORDERSIM_SLURM_DIR (default $TMPDIR/bordersim-slurm):
# slurm.conf, slurmdbd.conf (read from beside slurm.conf), the munge key, the database, the spool
# and state directories, the pid files and the logs under log/. Nothing is written to /etc, so
# the client commands need SLURM_CONF=$BORDERSIM_SLURM_DIR/slurm.conf in their environment.
#
# The cluster: slurmctld, slurmd and slurmdbd on this host, one partition `debug` holding this
# node with all its CPUs, SlurmUser root. It runs in a container without systemd or cgroups:
# proctrack/linuxproc, task/none, select/cons_tres with CR_CPU (one CPU per task, so as many
# tasks run at once as there are CPUs). Accounting (slurmdbd on MariaDB) is on because submitit
# learns the state of jobs, e.g. a cancelled one, from `sacct`.
set -euo pipefail

STATE=${BORDERSIM_SLURM_DIR:-${TMPDIR:-/tmp}/bordersim-slurm}
CTLD_PORT=${BORDERSIM_SLURM_PORT:-6817}  # slurmd, slurmdbd and the database use the next three
SLURMD_PORT=$((CTLD_PORT + 1))
DBD_PORT=$((CTLD_PORT + 2))
DB_PORT=$((CTLD_PORT + 3))
HOST=$(hostname -s)
export SLURM_CONF=$STATE/slurm.conf
PACKAGES=(slurm-wlm slurmdbd munge mariadb-server)
COMMANDS=(slurmctld slurmd slurmdbd sbatch sacct scancel munged mungekey mariadbd mariadb-install-db)

log() { echo "slurm_cluster: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

installed() {
  local cmd
  for cmd in "${COMMANDS[@]}"; do
    PATH=$PATH:/usr/sbin command -v "$cmd" >/dev/null || return 1
  done
}

install() {
  installed && return 0
  [[ $(id -u) == 0 ]] || die "the packages ${PACKAGES[*]} are missing and only root can install them"
  command -v apt-get >/dev/null || die "the packages ${PACKAGES[*]} are missing and there is no apt-get"
  log "installing ${PACKAGES[*]} (apt-get)"
  local apt=(apt-get -o DPkg::Lock::Timeout=300 -qq)
  "${apt[@]}" update >/dev/null
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${PACKAGES[@]}" >/dev/null
  installed || die "installed ${PACKAGES[*]} but some of ${COMMANDS[*]} are still missing"
}

# The pid in the pid file $1 if that process is alive and is the daemon $2 (not a process that
# got the pid of one that is gone).
alive() {
  local pid
  [[ -s $1 ]] && pid=$(<"$1") && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]] && echo "$pid"
}

# Wait until a command succeeds, up to $1 seconds.
wait_for() {
  local seconds=$1
  shift
  local end=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < end)) || return 1
    sleep 0.2
  done
}

write_configs() {
  local cpus mem_mb
  cpus=$(nproc)
  mem_mb=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
  mkdir -p "$STATE"/{log,munge,ctld,spool,db}
  chmod 700 "$STATE/munge"
  cat >"$STATE/slurm.conf" <<EOF
# written by scripts/slurm_cluster.sh
ClusterName=bordersim
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
KillWait=5
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$DBD_PORT
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
  cat >"$STATE/slurmdbd.conf" <<EOF
# written by scripts/slurm_cluster.sh
AuthType=auth/munge
DbdHost=$HOST
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=root
PidFile=$STATE/slurmdbd.pid
LogFile=$STATE/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageUser=root
StorageLoc=slurm_acct_db
EOF
  chmod 600 "$STATE/slurmdbd.conf"
}

# munged on its default socket (the client commands reach slurmdbd only through that one), with a
# key of our own; a munged already serving there (the system's) is used as it is.
start_munge() {
  munge --no-input 2>/dev/null | unmunge >/dev/null 2>&1 && return 0
  [[ -s $STATE/munge/munge.key ]] || mungekey --create --keyfile="$STATE/munge/munge.key" 2>/dev/null \
    || die "mungekey could not create $STATE/munge/munge.key"
  chmod 600 "$STATE/munge/munge.key"
  mkdir -p /run/munge
  munged --key-file="$STATE/munge/munge.key" --pid-file="$STATE/munge/munged.pid" \
    --log-file="$STATE/log/munged.log" --seed-file="$STATE/munge/munged.seed" --force
  wait_for 10 bash -c "munge --no-input | unmunge" || die "munged did not start (see $STATE/log/munged.log)"
}

# MariaDB for slurmdbd, on 127.0.0.1 only and without grant tables (a throwaway test database).
start_database() {
  alive "$STATE/db.pid" mariadbd >/dev/null && return 0
  if [[ ! -d $STATE/db/mysql ]]; then
    mariadb-install-db --user=root --datadir="$STATE/db" --skip-test-db >"$STATE/log/db-install.log" 2>&1 \
      || die "mariadb-install-db failed (see $STATE/log/db-install.log)"
  fi
  rm -f "$STATE/db.socket"
  mariadbd --user=root --datadir="$STATE/db" --port="$DB_PORT" --bind-address=127.0.0.1 \
    --socket="$STATE/db.socket" --pid-file="$STATE/db.pid" --log-error="$STATE/log/db.log" \
    --skip-grant-tables --innodb-buffer-pool-size=64M --innodb-lock-wait-timeout=900 \
    >>"$STATE/log/db.log" 2>&1 &
  disown
  wait_for 60 test -S "$STATE/db.socket" || die "mariadbd did not start (see $STATE/log/db.log)"
}

start_daemons() {
  if ! alive "$STATE/slurmdbd.pid" slurmdbd >/dev/null; then
    slurmdbd || die "slurmdbd did not start (see $STATE/log/slurmdbd.log)"
    wait_for 30 sacctmgr --noheader list cluster \
      || die "slurmdbd does not answer (see $STATE/log/slurmdbd.log)"
    [[ -n $(sacctmgr --noheader list cluster bordersim format=cluster) ]] \
      || sacctmgr --immediate add cluster bordersim >/dev/null
  fi
  if ! alive "$STATE/slurmctld.pid" slurmctld >/dev/null; then
    slurmctld || die "slurmctld did not start (see $STATE/log/slurmctld.log)"
  fi
  wait_for 30 scontrol ping || die "slurmctld does not answer (see $STATE/log/slurmctld.log)"
  if ! alive "$STATE/slurmd.pid" slurmd >/dev/null; then
    slurmd || die "slurmd did not start (see $STATE/log/slurmd.log)"
  fi
  wait_for 60 node_idle || die "the node did not come up idle: $(sinfo -h -o '%T %E' 2>&1)"
}

node_idle() {
  [[ $(sinfo -h -o %T) == idle ]]
}

start() {
  install
  PATH=$PATH:/usr/sbin
  write_configs
  start_munge
  start_database
  start_daemons
  log "cluster up: $(sinfo -h -o '%P %D node, %c CPUs, %T')"
  echo "SLURM_CONF=$SLURM_CONF"
}

# Stop daemons given as PID_FILE:NAME: SIGTERM, then SIGKILL to those still there after 20 s.
stop_all() {
  local daemon pid pids=()
  for daemon in "$@"; do
    pid=$(alive "${daemon%:*}" "${daemon##*:}") && kill "$pid" && pids+=("$pid")
  done
  for pid in "${pids[@]}"; do
    wait_for 20 bash -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null || true
  done
}

# The scheduler first (slurmctld sends its last records to slurmdbd), then what it used.
stop() {
  stop_all "$STATE/slurmd.pid:slurmd" "$STATE/slurmctld.pid:slurmctld"
  stop_all "$STATE/slurmdbd.pid:slurmdbd" "$STATE/db.pid:mariadbd" "$STATE/munge/munged.pid:munged"
  log "cluster stopped"
}

status() {
  PATH=$PATH:/usr/sbin
  [[ -f $SLURM_CONF ]] || die "no cluster in $STATE"
  sinfo
}

case ${1:-} in
install) install ;;
start) start ;;
stop) stop ;;
status) status ;;
*) die "usage: $0 install|start|stop|status" ;;
esac

#!/usr/bin/env bash
# A real single-node Slurm cluster (slurm-wlm 22.05 + munge) for the sweep's Slurm test, started
# without systemd and entirely under one directory:
#   slurm_cluster.sh start DIR   writes DIR/slurm.conf, starts munged, slurmctld and slurmd, waits
#                          until the node is idle; DIR/env holds what clients need (SLURM_CONF,
#                          PATH is unchanged);
#   slurm_cluster.sh stop DIR    stops exactly the daemons 'start' started, by their recorded PIDs.
# Ports are picked free at start, and munge listens on a socket under DIR, so two clusters (or
# a system munged) never collide.
set -euo pipefail
cmd="${1:?usage: slurm_cluster.sh start|stop DIR}"
dir="${2:?usage: slurm_cluster.sh start|stop DIR}"

stop() {
  for d in slurmd slurmctld munged; do
    local f="$dir/$d.pid"
    [ -s "$f" ] || continue
    local pid
    pid="$(cat "$f")"
    # Only the daemon this directory started: the PID must still be that program.
    if [ "$(ps -p "$pid" -o comm= 2>/dev/null)" = "$d" ]; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

# Waits for daemon $1's pid file ($2) to name a running $1 and records that PID in DIR/$1.pid
# for stop. The pid file a daemon of an earlier run left behind was removed before
# the start, so a PID read here is never a stale one, which stop would then not find running.
record_pid() {
  local d="$1" file="$2" pid=""
  for _ in $(seq 100); do
    pid="$(cat "$file" 2>/dev/null || true)"
    [ -n "$pid" ] && [ "$(ps -p "$pid" -o comm= 2>/dev/null)" = "$d" ] && break
    pid=""
    sleep 0.1
  done
  [ -n "$pid" ] || { echo "cluster.sh: $d did not start; logs in $dir/log" >&2; return 1; }
  echo "$pid" > "$dir/$d.pid"
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
  [ "$(id -u)" -eq 0 ] || { echo "cluster.sh: slurmd must run as root" >&2; exit 1; }
  for tool in munged mungekey slurmctld slurmd sinfo; do
    command -v "$tool" >/dev/null || { echo "cluster.sh: $tool missing (Debian packages slurm-wlm, munge)" >&2; exit 1; }
  done
  mkdir -p "$dir"/{munge,state,spool,log}
  dir="$(cd "$dir" && pwd)"
  stop  # daemons a crashed earlier run of this directory left behind
  rm -f "$dir/slurmctld.pidfile" "$dir/slurmd.pidfile" "$dir/munge/munged.pid"
  trap 'stop' ERR

  # munge: its own key and socket under DIR, owned by the munge user, run as that user.
  chown munge: "$dir/munge"
  chmod 755 "$dir/munge"  # munged wants the socket directory searchable by all
  if [ ! -s "$dir/munge/munge.key" ]; then
    if [ -s /etc/munge/munge.key ]; then cp /etc/munge/munge.key "$dir/munge/munge.key"
    else mungekey --create --keyfile="$dir/munge/munge.key" 2>/dev/null ||
           dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none; fi
  fi
  chown munge: "$dir/munge/munge.key"
  chmod 400 "$dir/munge/munge.key"
  mkdir -p /run/munge && chown munge: /run/munge && chmod 755 /run/munge
  local sock="$dir/munge/munge.socket"
  runuser -u munge -- munged --key-file="$dir/munge/munge.key" --socket="$sock" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" --num-threads=2
  record_pid munged "$dir/munge/munged.pid"

  local host ctld_port slurmd_port
  host="$(hostname -s)"
  ctld_port="$(free_port)"
  slurmd_port="$(free_port)"
  local cpus
  cpus="$(nproc)"
  cat > "$dir/slurm.conf" <<CONF
ClusterName=sinkattn-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pidfile
SlurmdPidFile=$dir/slurmd.pidfile
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MaxArraySize=1001
ReturnToService=2
MpiDefault=none
SwitchType=switch/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
  export SLURM_CONF="$dir/slurm.conf"
  echo "export SLURM_CONF=$dir/slurm.conf" > "$dir/env"

  slurmctld -i -f "$SLURM_CONF"   # -i: ignore state left by an earlier cluster in this dir
  record_pid slurmctld "$dir/slurmctld.pidfile"
  slurmd -f "$SLURM_CONF"
  record_pid slurmd "$dir/slurmd.pidfile"

  for _ in $(seq 300); do
    state="$(sinfo -h -n "$host" -o %t 2>/dev/null || true)"
    if [ "$state" = "idle" ]; then echo "slurm cluster up: $SLURM_CONF (node $host idle)"; return 0; fi
    sleep 0.1
  done
  echo "cluster.sh: node $host did not become idle (state '${state:-?}'); logs in $dir/log" >&2
  tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
  stop
  exit 1
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: slurm_cluster.sh start|stop DIR" >&2; exit 2 ;;
esac

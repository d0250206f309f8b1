# peers.sh: the same figures for supervisord, runit and s6 (sourced by
# run.sh when PEERS=1).  Each runs by hand from its own temporary
# directory on private sockets and service directories, with N services
# (the stamp program, pausing), and is stopped by pid afterwards.  How
# each is configured, and why that is fair, is in README.md.
# shellcheck shell=sh

PEER_MAIN=""
PEER_PIDS=""

# Install what is missing from the distribution's packages (as root), or
# say what to install.
peers_install() {
	_pi_miss=""
	for _pi_c in supervisord supervisorctl; do
		command -v "$_pi_c" >/dev/null 2>&1 || _pi_miss="$_pi_miss supervisor"
	done
	for _pi_c in runsvdir runsv sv; do
		command -v "$_pi_c" >/dev/null 2>&1 || _pi_miss="$_pi_miss runit"
	done
	for _pi_c in s6-svscan s6-supervise s6-svc s6-svstat; do
		command -v "$_pi_c" >/dev/null 2>&1 || _pi_miss="$_pi_miss s6"
	done
	_pi_miss=$(echo "$_pi_miss" | tr ' ' '\n' | sort -u | tr '\n' ' ')
	case $_pi_miss in
	*[a-z]*) ;;
	*) return 0 ;;
	esac
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		say "PEERS=1 needs these packages: $_pi_miss"
		say "install them (Debian: apt-get install $_pi_miss) and run again"
		return 1
	fi
	say "installing $_pi_miss"
	# shellcheck disable=SC2086
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $_pi_miss >"$W/apt.log" 2>&1; then
		# shellcheck disable=SC2086
		{ apt-get update -q &&
		    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    --no-install-recommends $_pi_miss; } >>"$W/apt.log" 2>&1 || {
			tail -n 20 "$W/apt.log" >&2
			say "could not install $_pi_miss"
			return 1
		}
	fi
}

# A service directory for runit and s6: ./run is the stamp program (no
# shell in between), ./stamp.out the stamp file it appends to.
svc_dirs() {
	_sd_sv=$1 _sd_n=$2 _sd_stamps=$3
	mkdir -p "$_sd_sv"
	ln -sf "$STAMP" "$D/run"
	ln -sf "$_sd_stamps" "$D/stamp.out"
	_sd_i=1
	while [ "$_sd_i" -le "$_sd_n" ]; do
		_sd_d=$(printf '%s/s%04d' "$_sd_sv" "$_sd_i")
		mkdir "$_sd_d"
		ln -s "$D/run" "$D/stamp.out" "$_sd_d/"
		_sd_i=$((_sd_i + 1))
	done
}

lat_dir() {
	mkdir -p "$1/lat"
	ln -s "$STAMP" "$1/lat/run"
	ln -s "$LAT" "$1/lat/stamp.out"
	: >"$1/lat/down"
}

# --- supervisord ----------------------------------------------------------

supervisord_setup() {
	{
		cat <<EOF
[unix_http_server]
file=$D/supervisor.sock
chmod=0700

[supervisord]
logfile=$D/supervisord.log
pidfile=$D/supervisord.pid
childlogdir=$D
nodaemon=true
minfds=8192
minprocs=4096
user=root

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$D/supervisor.sock
EOF
		awk -v n="$1" -v stamp="$STAMP" -v f="$ST" 'BEGIN {
		    for (i = 1; i <= n; i++)
			printf "\n[program:s%04d]\ncommand=%s %s pause\n" \
			    "autostart=true\nautorestart=true\nstartsecs=0\n" \
			    "stopwaitsecs=2\nstdout_logfile=NONE\n" \
			    "stderr_logfile=NONE\n", i, stamp, f }'
		if [ "$2" -eq 1 ]; then
			cat <<EOF

[program:lat]
command=$STAMP $LAT pause
autostart=false
autorestart=true
startsecs=0
stopwaitsecs=2
stdout_logfile=NONE
stderr_logfile=NONE
EOF
		fi
	} >"$D/supervisord.conf"
}

supervisord_start() {
	supervisord -c "$D/supervisord.conf" >"$D/out" 2>&1 &
	PEER_MAIN=$!
}

supervisord_ready() {
	_rd_t=600
	while ! supervisorctl -c "$D/supervisord.conf" pid >/dev/null 2>&1; do
		_rd_t=$((_rd_t - 1))
		[ "$_rd_t" -gt 0 ] || return 1
		sleep 0.1
	done
}

supervisord_pids() {
	echo "$PEER_MAIN"
}

# --- runit ------------------------------------------------------------------

runit_setup() {
	svc_dirs "$D/sv" "$1" "$ST"
	if [ "$2" -eq 1 ]; then
		lat_dir "$D/sv"
	fi
}

runit_start() {
	runsvdir -P "$D/sv" >"$D/out" 2>&1 &
	PEER_MAIN=$!
}

runit_ready() {
	_rd_t=600
	while ! sv status "$D/sv/s0001" >/dev/null 2>&1 ||
	    { [ -d "$D/sv/lat" ] && ! sv status "$D/sv/lat" >/dev/null 2>&1; }
	do
		_rd_t=$((_rd_t - 1))
		[ "$_rd_t" -gt 0 ] || return 1
		sleep 0.1
	done
}

runit_pids() {
	echo "$PEER_MAIN"
	pgrep -P "$PEER_MAIN" -x runsv
}

# --- s6 -----------------------------------------------------------------------

s6_setup() {
	svc_dirs "$D/sv" "$1" "$ST"
	if [ "$2" -eq 1 ]; then
		lat_dir "$D/sv"
	fi
}

s6_start() {
	s6-svscan -c 4096 "$D/sv" >"$D/out" 2>&1 &
	PEER_MAIN=$!
}

s6_ready() {
	_rd_t=600
	while ! s6-svstat "$D/sv/s0001" >/dev/null 2>&1 ||
	    { [ -d "$D/sv/lat" ] && ! s6-svstat "$D/sv/lat" >/dev/null 2>&1; }
	do
		_rd_t=$((_rd_t - 1))
		[ "$_rd_t" -gt 0 ] || return 1
		sleep 0.1
	done
}

s6_pids() {
	echo "$PEER_MAIN"
	pgrep -P "$PEER_MAIN" -x s6-supervise
}

# --- one peer, N services ---------------------------------------------------

# peer_stop PEER: the supervisors first (so nothing is restarted), then
# whatever is left of the services; every process by pid.
peer_stop() {
	_ps_pids=$("${1}_pids" | tr '\n' ' ')
	case $1 in
	runit) kill -HUP "$PEER_MAIN" 2>/dev/null ;;
	*) kill -TERM "$PEER_MAIN" 2>/dev/null ;;
	esac
	# shellcheck disable=SC2086
	kill -TERM $_ps_pids 2>/dev/null
	# shellcheck disable=SC2086
	wait_gone 30 $_ps_pids || {
		say "$1 did not stop in 30 s; killing it"
		# shellcheck disable=SC2086
		kill -KILL $_ps_pids 2>/dev/null
	}
	wait "$PEER_MAIN" 2>/dev/null
	kill_stamped "$ST" "$LAT"
	PEER_MAIN=""
}

# status_rows PEER N: "status" of one service and of all of them.
status_rows() {
	_sr_p=$1 _sr_n=$2
	case $_sr_p in
	supervisord) _sr_k=$RS _sr_ka=$RS ;;
	*) _sr_k=$R _sr_ka=$R ;;
	esac
	[ "$_sr_n" -eq 1000 ] && _sr_ka=$((_sr_ka / 4))
	[ "$_sr_ka" -ge 3 ] || _sr_ka=3
	case $_sr_p in
	supervisord)
		"$BT" timeit "$_sr_k" "$(command -v supervisorctl)" -c \
		    "$D/supervisord.conf" status s0001 >"$W/x"
		"$BT" timeit "$_sr_ka" "$(command -v supervisorctl)" -c \
		    "$D/supervisord.conf" status >"$W/y"
		;;
	runit)
		"$BT" timeit "$_sr_k" "$(command -v sv)" status "$D/sv/s0001" \
		    >"$W/x"
		"$BT" timeit "$_sr_ka" "$(command -v sv)" status "$D"/sv/s* >"$W/y"
		;;
	s6)
		"$BT" timeit "$_sr_k" "$(command -v s6-svstat)" "$D/sv/s0001" \
		    >"$W/x"
		# s6-svstat takes one directory: a loop is what one types
		[ "$_sr_n" -eq 1000 ] && _sr_ka=3
		# shellcheck disable=SC2016
		"$BT" timeit "$_sr_ka" /bin/sh -c \
		    'for d in "$1"/s*; do s6-svstat "$d"; done' sh "$D/sv" \
		    >"$W/y"
		;;
	esac
	row "status.one.$_sr_n" "$_sr_p" "status of one among $_sr_n" ms \
	    "$W/x" "$FL_RTT"
	row "status.all.$_sr_n" "$_sr_p" "status of all $_sr_n" ms "$W/y" \
	    "$FL_RTT"
}

# start_rows PEER: start latency of the "lat" service (down at first).
start_rows() {
	_sl_p=$1
	_sl_n=$((R / 4))
	case $_sl_p in
	supervisord)
		_sl_n=$RS
		"$BT" startlat "$_sl_n" "$LAT" "supervisorctl -c \
$D/supervisord.conf stop lat >/dev/null" "$(command -v supervisorctl)" \
		    -c "$D/supervisord.conf" start lat >"$W/x"
		;;
	# runsv and s6-supervise start ./run at most once a second: the
	# stop command waits that out, so what is measured is their start
	# path, not their throttle.
	runit)
		_sl_n=$RS
		"$BT" startlat "$_sl_n" "$LAT" "sv -w 10 -v down $D/sv/lat \
>/dev/null && sleep 1" "$(command -v sv)" up "$D/sv/lat" >"$W/x"
		;;
	s6)
		_sl_n=$RS
		"$BT" startlat "$_sl_n" "$LAT" "s6-svc -wD -d $D/sv/lat && \
sleep 1" "$(command -v s6-svc)" -u "$D/sv/lat" >"$W/x"
		;;
	esac || {
		say "$_sl_p: start latency failed"
		return 0
	}
	row start.svc "$_sl_p" "start latency: activate a service" ms "$W/x" \
	    "$FL_START"
}

# peer_phase PEER N: N services up; the figures that belong to N.
peer_phase() {
	_pp_p=$1 _pp_n=$2
	say "$_pp_p: $_pp_n services"
	D=$W/peer-$_pp_p-$_pp_n
	ST=$D/svc.stamps
	LAT=$D/lat.stamps
	mkdir -p "$D"
	fresh "$ST" "$LAT"
	_pp_lat=0
	[ "$_pp_n" -eq 1 ] && _pp_lat=1
	"${_pp_p}_setup" "$_pp_n" "$_pp_lat"
	_pp_t0=$("$BT" now)
	"${_pp_p}_start"
	PEER_PIDS="$PEER_PIDS $PEER_MAIN"
	if ! _pp_last=$("$BT" waitlines "$ST" "$_pp_n" 120); then
		say "$_pp_p did not start $_pp_n services; see $D/out"
		peer_stop "$_pp_p"
		return 0
	fi
	if [ "$_pp_n" -eq 1000 ]; then
		row1 bringup "$_pp_p" "bring-up: 1000 services until all exec'd" ms \
		    "$(ms_between "$_pp_t0" "$_pp_last")" floor.bring
	fi
	"${_pp_p}_ready" || say "$_pp_p: its control interface did not come up"
	status_rows "$_pp_p" "$_pp_n"
	if [ "$_pp_n" -ge 100 ]; then
		# shellcheck disable=SC2046
		mem_sample "$W/mem" $("${_pp_p}_pids")
		row "mem.rss.svc$_pp_n" "$_pp_p" "RSS, $_pp_n services running" MiB \
		    "$W/mem.rss"
		row "mem.pss.svc$_pp_n" "$_pp_p" "PSS, $_pp_n services running" MiB \
		    "$W/mem.pss"
	fi
	if [ "$_pp_n" -eq 100 ]; then
		sleep 1
		say "$_pp_p: idle for 2 x $IDLE_SECS s"
		# shellcheck disable=SC2046
		idle "$_pp_p" $("${_pp_p}_pids")
	fi
	if [ "$_pp_lat" -eq 1 ]; then
		start_rows "$_pp_p"
	fi
	peer_stop "$_pp_p"
}

peers() {
	peers_install || return 0
	for p in ${PEER_LIST:-s6 runit supervisord}; do
		for n in 1 100 1000; do
			peer_phase "$p" "$n"
		done
	done
}

# On exit: whatever a peer left running (by pid).
peers_cleanup() {
	for _pc_p in $PEER_PIDS; do
		for _pc_c in $(pgrep -P "$_pc_p" 2>/dev/null); do
			kill -KILL "$_pc_c" 2>/dev/null
		done
		kill -KILL "$_pc_p" 2>/dev/null
	done
}

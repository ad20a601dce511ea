# shellcheck shell=dash
# What both guest inits (vm/guest-init, vm/guest-userspace-init) share: the mounts, and
# the KTAP they write on the results channel (/dev/ttyS1, fd 3) while the console (ttyS0)
# gets everything else. Sourced as /lib.sh in the guests.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The initramfs is writable as it is. No tmpfs goes over /tmp: the harness may put links
# under it (a build tree in /tmp, where pfn_tests looks for its programs).
mkdir -p /tmp

exec 3>/dev/ttyS1
say() { echo "$*" >&3; }
n=0
# result ok|"not ok" NAME [DIRECTIVE]: the next top-level result.
result() {
	n=$((n + 1))
	say "$1 $n $2${3:+ # $3}"
	echo "PFNBENCH-VM: $1 $n $2${3:+ # $3}"
}
# started NAME: both channels say which step runs now ("# N name"), so the verdict can
# name the step a splat or a hang came from.
started() {
	say "# $((n + 1)) $1"
	echo "# $((n + 1)) $1"
}
check() { # check NAME COMMAND...: ok if COMMAND succeeds
	name=$1
	shift
	started "$name"
	if "$@"; then result ok "$name"; else result "not ok" "$name"; fi
}
# nested NAME COMMAND...: COMMAND writes KTAP on stdout, which is nested under NAME; ok
# only if it exits 0 (its plan and results are judged by the verdict as well).
nested() {
	name=$1
	shift
	started "$name"
	rm -f /tmp/rc
	{
		"$@"
		echo $? >/tmp/rc
	} | sed 's/^/    /' >&3
	rc=$(cat /tmp/rc 2>/dev/null || echo 1)
	if [ "$rc" -eq 0 ]; then
		result ok "$name"
	else
		echo "PFNBENCH-VM: $name exited with $rc"
		result "not ok" "$name"
	fi
}
skip() { result ok "$1" "SKIP $2"; }

# gtest_ktap PROGRAM ARGS...: runs a GoogleTest program (its output to the console) and
# writes its results as KTAP; returns its exit status. A parameterised test's name ends
# with "," (", where GetParam() = ...").
gtest_ktap() {
	"$@" --gtest_color=no >/tmp/gtest.out 2>&1
	rc=$?
	cat /tmp/gtest.out >&2
	awk '
		{ name = $4; sub(/,$/, "", name) }
		/^\[==========\] Running [0-9]+ test/ { print "KTAP version 1"; print "1.." $3 }
		/^\[       OK \]/ { print "ok " ++k " " name }
		/^\[  SKIPPED \]/ && $4 !~ /^[0-9]+$/ && !done { print "ok " ++k " " name " # SKIP" }
		/^\[  FAILED  \]/ && $4 !~ /^[0-9]+$/ && !seen[$4]++ && !done { print "not ok " ++k " " name }
		/^\[==========\] [0-9]+ tests? from .* ran/ { done = 1 }
	' /tmp/gtest.out
	return $rc
}

# The kernel's taint, and its whole log before power-off, for the verdict.
taint_record() { say "# tainted-$1: $(cat /proc/sys/kernel/tainted)"; }
finish() {
	taint_record after
	echo "PFNBENCH-DMESG-BEGIN"
	dmesg
	echo "PFNBENCH-DMESG-END"
	poweroff -f
}

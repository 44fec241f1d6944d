# Run by tests/tests/svos_debian_tools.rs (svos's sh, init=sh:tools.sh):
# BusyBox and procps from Debian over svos's /proc, next to the kernel's
# own counts (cat of the /proc files they read), in @@ sections.
memory-user 4 1 60000 > /tmp/mu4.out &
M4=$!
memory-user 8 1 60000 > /tmp/mu8.out &
M8=$!
# procps's top refreshes its memory figures only when time(2) has moved
# 3 s past its last read (0 at first): svos's clock starts at 0 at reset,
# as Linux's does without an RTC.
sleep 3000
/usr/bin/top -b -d 30 -n 2 > /tmp/top.out &
T=$!
sleep 500
echo @@pids
echo $M4 $M8 $T
echo @@status4
cat /proc/$M4/status
echo @@status8
cat /proc/$M8/status
echo @@statustop
cat /proc/$T/status
echo @@mapstop
cat /proc/$T/maps
echo @@meminfo
cat /proc/meminfo
echo @@procps-free
/usr/bin/free
echo @@procps-ps
/usr/bin/ps -eo pid,ppid,stat,vsz,rss,min_flt,maj_flt,comm
echo @@procps-vmstat
/usr/bin/vmstat
echo @@meminfo2
cat /proc/meminfo
echo @@toolbox-vmstat
/vmstat
echo @@procps-pmap4
/usr/bin/pmap $M4
echo @@procps-pmaptop
/usr/bin/pmap $T
echo @@procps-uptime
/usr/bin/uptime
echo @@procps-top
/usr/bin/top -bn1
echo @@busybox-free
/bin/busybox free
echo @@busybox-ps
/bin/busybox ps -o pid,vsz,rss,comm
echo @@busybox-top
/bin/busybox top -bn1
echo @@busybox-uptime
/bin/busybox uptime
echo @@loadavg
cat /proc/loadavg
echo @@end
exit 0

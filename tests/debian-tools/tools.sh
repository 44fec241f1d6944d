echo == start ==
memory-user 4 1 60000 > /tmp/mu4.out &
echo pid4 $!
memory-user 8 1 60000 > /tmp/mu8.out &
echo pid8 $!
sleep 3000
/usr/bin/top -b -d 30 -n 2 > /tmp/top.out &
echo pidtop $!
sleep 500
echo == status4 ==
cat /proc/2/status
echo == status8 ==
cat /proc/3/status
echo == statustop ==
cat /proc/5/status
echo == maps of top ==
cat /proc/5/maps
echo == meminfo ==
cat /proc/meminfo
echo == procps free ==
/usr/bin/free
echo == procps ps ==
/usr/bin/ps -eo pid,ppid,stat,vsz,rss,min_flt,maj_flt,comm
echo == procps vmstat ==
/usr/bin/vmstat
echo == procps pmap 4 ==
/usr/bin/pmap 2
echo == procps pmap top ==
/usr/bin/pmap 5
echo == procps uptime ==
/usr/bin/uptime
echo == procps top ==
/usr/bin/top -bn1
echo == busybox free ==
/bin/busybox free
echo == busybox ps ==
/bin/busybox ps -o pid,vsz,rss,comm
echo == busybox top ==
/bin/busybox top -bn1
echo == busybox uptime ==
/bin/busybox uptime
echo == loadavg ==
cat /proc/loadavg
echo == uptime ==
cat /proc/uptime
echo == end ==
exit 0

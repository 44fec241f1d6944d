# svos scripted demo: bootargs init=sh:demo.sh
echo == svos: processes, isolation, attacks, a shell ==
hello one two three
va
forkdemo
echo == attacks: each one is killed, svos and the shell go on ==
attack kread
attack kwrite
attack null
attack noncanon
attack execdata
attack execstack
attack writetext
attack csrr
attack sret
attack sfence
segfault
echo == background jobs and wait ==
sleep 30 & sleep 10 & worker 7 &
wait
echo == preemption: a CPU hog that never yields cannot stop the shell ==
spin &
sleep 20
kill $!
wait
echo == floating point state survives context switches ==
fpu
echo == demand paging: mmap takes no memory, a page gets its frame at its first touch: a minor fault ==
memory-user 8 2
echo == the memory tools read /proc: a process holding 4 MiB it touched, seen by ps, pmap, free and vmstat ==
memory-user 4 1 5000 > /tmp/memory-user.out &
sleep 1000
ps
pmap $!
free
vmstat
wait
cat /tmp/memory-user.out
echo == 50 concurrent processes ==
spawn 50
echo == done ==
exit 0

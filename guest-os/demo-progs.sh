#!/bin/sh
# Prints the initrd file list (in order) of the scripted demo (bootargs init=sh:demo.sh).
echo "sh demo.sh hello va forkdemo attack sleep worker spawn spin fpu memory-user segfault ps pmap free vmstat"

#!/bin/bash
# cmd.sh NAME COMMAND
name=$1; shift
n=$(wc -l < /tmp/t/$name.out)
echo "$*" > /tmp/t/$name.in
sleep 0.3
tail -n +$((n+1)) /tmp/t/$name.out

#!/usr/bin/env python3
"""Hold a few AMQP consumers open on a bench vhost (needs py-amqp; bench/broker.sh runs it with
a python that has it, or skips consumers). Consumes without acking (prefetch 1), so messages stay
unacked rather than being drained, and sleeps until killed.

    consume.py VHOST QUEUE [QUEUE ...]
"""
import sys
import time

import amqp

vhost, queues = sys.argv[1], sys.argv[2:]
conn = amqp.Connection("127.0.0.1:5672", userid="guest", password="guest", virtual_host=vhost, heartbeat=0)
conn.connect()
ch = conn.channel()
ch.basic_qos(0, 1, False)
for name in queues:
    ch.basic_consume(queue=name, callback=lambda m: None, no_ack=False)
print(f"  {len(queues)} consumers on one connection", flush=True)
while True:
    time.sleep(3600)

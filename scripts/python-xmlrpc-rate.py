"""Python's own XML-RPC client (xmlrpc.client.ServerProxy) calling getObj one call after another for SECONDS:
what a Python user gets from a server, to put beside rpcbench's client against the same server.
Usage: /usr/bin/python3 scripts/python-xmlrpc-rate.py URL [SECONDS]   prints "calls/s N"."""
import sys
import time
import xmlrpc.client

url, seconds = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
proxy = xmlrpc.client.ServerProxy(url, allow_none=True)
for _ in range(200):  # warm-up: the connection, Python's caches
    proxy.getObj()
calls, start = 0, time.perf_counter()
while time.perf_counter() - start < seconds:
    proxy.getObj()
    calls += 1
print(f"calls/s {calls / (time.perf_counter() - start):.0f}")

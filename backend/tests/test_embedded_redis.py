"""The embedded Redis is ready when start() returns, even with an append-only file to read back:
`make test` after a session of benchmarks met 'Redis is loading the dataset in memory'
(BusyLoadingError) on its first command, the server having been restarted with a large file."""

import os
import stat
import time

from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from backend.embedded import EmbeddedRedis


def test_a_restarted_redis_answers_once_started_though_it_had_much_to_load(tmp_path):
    server = EmbeddedRedis(tmp_path)
    server.start()
    try:
        client = Redis(unix_socket_path=str(server.socket))
        for block in range(20):
            client.mset({f"k{block}:{key}": os.urandom(1_000) for key in range(1_000)})  # 20 MB
        client.bgrewriteaof()  # the file becomes an RDB preamble, read back key by key
        while (
            client.info("persistence")["aof_rewrite_in_progress"]
            or client.info("persistence")["aof_rewrite_scheduled"]
        ):
            time.sleep(0.05)
        client.close()
        server.stop()
        # Redis's own test knob: each key read back takes 50 microseconds (a second in all).
        slow = tmp_path / "slow-redis-server"
        slow.write_text(f'#!/bin/sh\nexec {server.executable} "$@" --key-load-delay 50\n')
        slow.chmod(slow.stat().st_mode | stat.S_IEXEC)
        server.executable = str(slow)
        server.start()
        # Asked once, without redis-py's retries (which hide a short load, not a long one).
        client = Redis(unix_socket_path=str(server.socket), retry=Retry(NoBackoff(), 0))
        assert client.dbsize() == 20_000  # no BusyLoadingError
        client.close()
    finally:
        server.stop()

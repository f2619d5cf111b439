"""Event loops whose name lookups nobody waits for.

asyncio resolves a host name (`getaddrinfo`) on its loop's default executor, a ThreadPoolExecutor: `asyncio.run`
joins its threads when it closes the loop, and the interpreter joins them again at exit. A conversation ends within
its deadline, but a resolver that takes minutes held the process as long, after every item had ended. Here each
lookup runs on a daemon thread of its own that nothing joins: when its conversation is over, a late answer is
dropped, and the process exits without it.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Coroutine, TypeVar

T = TypeVar("T")


class DaemonExecutor(ThreadPoolExecutor):
    """A loop's default executor (asyncio takes only a ThreadPoolExecutor) that runs each call on a fresh daemon
    thread and never waits for one: not on shutdown, not at exit. Calls are few (a lookup per connection). The tls
    family and the postgres transport, which have no loop, look names up on one too, waiting for the answer only
    until their deadline."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="opsverify-lookup")  # its own pool is never used

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()

        def call() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to the awaiting coroutine, as the pool would
                future.set_exception(exc)

        threading.Thread(target=call, name="opsverify-lookup", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to wait for: a lookup still running belongs to a conversation that has ended."""


def new_event_loop() -> asyncio.AbstractEventLoop:
    """`asyncio.new_event_loop()`, its name lookups on daemon threads (for a loop run by hand, as http's Session)."""
    loop = asyncio.new_event_loop()
    loop.set_default_executor(DaemonExecutor())
    return loop


def run(conversation: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(conversation)`, without waiting for name lookups still running when it ends."""
    with asyncio.Runner() as runner:  # as asyncio.run: the loop is also this thread's current one while it runs
        runner.get_loop().set_default_executor(DaemonExecutor())
        return runner.run(conversation)

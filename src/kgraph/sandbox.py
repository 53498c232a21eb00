"""Query processes that cannot reach the network: the allow-list enforced where a request would be made.

pyoxigraph runs ``SERVICE`` itself, over its own HTTP client, with no hook to vet a call
(see :mod:`kgraph.federation`). Reading the query first is not enough on its own: any
difference between that reading and the engine's parse would let a query make the server
fetch a URL of its choice. So a query process that is not meant to call out is made
*unable* to: :func:`forbid_network` installs a seccomp filter (libseccomp, through
pyseccomp) under which creating any socket but a Unix one fails with ``EACCES``, for this
process and every thread it starts. A SERVICE call, a DNS lookup, any connection fails
before a packet is sent, whatever the query says; the pipe to the server (a Unix socket
made before) keeps working. Only the processes that run queries whose every SERVICE the
reading resolved to an allowed endpoint keep the network (:class:`kgraph.execution.QueryExecutor`).

libseccomp is part of every Debian system (apt depends on it); where it or seccomp is
missing (not Linux), :func:`forbid_network` returns False and the caller logs it.
"""

from __future__ import annotations

import errno
import logging
import socket

logger = logging.getLogger(__name__)


def forbid_network() -> bool:
    """Make this process unable to open any socket but a Unix one; True when in force."""
    try:
        import pyseccomp as seccomp

        rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
        refuse = seccomp.ERRNO(errno.EACCES)
        rules.add_rule(refuse, "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
        rules.add_rule(refuse, "socketpair", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
        # io_uring can open sockets without the socket system call.
        rules.add_rule(refuse, "io_uring_setup")
        rules.load()
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        logger.error("query processes keep the network: seccomp is not available here (%s)", exc)
        return False
    return True


def network_forbidden() -> bool:
    """True when this process cannot open an Internet socket (for tests and the log)."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        return True
    return False

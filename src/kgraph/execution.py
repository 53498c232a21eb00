"""Users' SPARQL queries run in child processes that can be killed: a timeout that stops the work.

pyoxigraph's ``Store.query`` has no timeout and no cancellation, and a Python thread cannot
be stopped inside Rust code. So each server worker keeps a few spawned children
(:class:`QueryExecutor`), each holding the served data read-only (a :class:`StoreSpec` says
how to open it); a request thread hands a :class:`Job` to an idle child over a pipe and
waits at most the query timeout. On time the child sends back the serialized answer (only
bytes cross the pipe); too late, it is killed with SIGKILL — whatever it was computing
stops there — and a fresh child replaces it. A child that dies on its own (a crash in the
engine) is replaced the same way.

Children are *spawned*, never forked: a forked copy of a server worker would inherit its
threads' locks, and a process that opened RocksDB must not fork (see
:class:`kgraph.web.stores.PerProcessStore`). Each child asks the kernel to kill it when its
parent dies (``PR_SET_PDEATHSIG``), so a worker that the server kills takes its runaway
queries with it.

A store that cannot be reopened in another process (an object given to
``create_app(store=…)``, a remote store) runs the query inline instead: :func:`execute`
with a deadline checked between rows, which stops a lazily evaluated SELECT or CONSTRUCT
but not the work an ``ORDER BY`` or an aggregate does before the first row (a remote
store's own limit is its HTTP timeout).
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import KgraphError, QueryError
from .formats import RDF_FORMATS, RESULTS_FORMATS, Format, RdfFormat
from .solutions import first_rows, write_solutions
from .store import OxigraphStore, QueryResult, Store, UnsupportedFunction, evaluation_error, write_triples

logger = logging.getLogger(__name__)

#: Seconds a new child may take to open the data before the pool gives up on it.
STARTUP_SECONDS = 120.0
#: Seconds a query may wait for an idle query process, at least (see QueryExecutor._take).
TAKE_SECONDS = 5.0
#: Pools of this many children or more keep their last idle one for newcomers (_take): in a
#: smaller pool that would hold back half of it or more.
RESERVE_FROM = 4


class QueryTimeout(KgraphError):
    """A query ran past its limit and was stopped."""

    def __init__(self, seconds: float):
        super().__init__(f"query stopped after {seconds:g} s")
        self.seconds = seconds


class ExecutorBusy(KgraphError):
    """No query process of this worker became free in time."""


class LastProcessKept(ExecutorBusy):
    """This worker's last free query process is kept for a client with no query running."""


class EngineCrashed(KgraphError):
    """The child running the query died (a crash of the engine); it has been replaced."""


class QueryOutOfMemory(KgraphError):
    """The query needed more memory than a query process may take; it was stopped."""

    def __init__(self, megabytes: int):
        super().__init__(f"query stopped at its memory limit of {megabytes} MiB")
        self.megabytes = megabytes


class ServiceFailed(KgraphError):
    """A SERVICE call of the query failed (the remote endpoint, not this one)."""


class AnswerTooLarge(KgraphError):
    """The answer has more rows than one answer may (and the client did not ask for a cut)."""

    def __init__(self, rows: int):
        super().__init__(f"the answer has more than {rows} rows")
        self.rows = rows


class NotAcceptable(KgraphError):
    """The query's answer is of a kind for which the request accepts no format."""

    def __init__(self, kind: str):
        super().__init__(f"no acceptable format for a {kind} answer")
        self.kind = kind


@dataclass(frozen=True)
class StoreSpec:
    """How to open the served data in another process (picklable: paths and names only).

    ``folder``: an on-disk Oxigraph store, opened read-only; else ``files`` are loaded into
    memory. ``kind`` ``"kgraph"`` (a build: N-Quads, default graph = asserted + inferred)
    or ``"files"`` (user files, default graph = the union of all graphs).
    """

    kind: str
    files: tuple[Path, ...] = ()
    folder: Path | None = None

    def open(self) -> Store:
        from .web.stores import FilesStore

        if self.kind == "files":
            if self.folder is not None:
                return FilesStore(ox.Store.read_only(str(self.folder)))
            store = FilesStore()
            for path in self.files:
                store.load(path)
            return store
        if self.folder is not None:
            return OxigraphStore(self.folder, read_only=True)
        store = OxigraphStore()
        for path in self.files:
            store.load(path, fmt=RdfFormat.N_QUADS)
        return store


@dataclass(frozen=True)
class Job:
    """One query to run: the text, the dataset the request names, the formats, the row cap.

    ``formats`` maps each kind of answer (``solutions``, ``boolean``, ``graph``) to the name
    of the format negotiated for it, or ``None`` where the request accepts none (then the
    answer is :class:`NotAcceptable`). ``max_rows``: at most this many solutions or triples.
    ``prefixes`` are predeclared, ``base_iri`` resolves relative IRIs (the endpoint's URL).
    ``network``: the query may call the allowed SERVICE endpoints it names
    (:func:`kgraph.federation.check_query`); every other query runs where no socket opens.
    ``truncate``: an answer longer than ``max_rows`` is cut there (marked ``truncated``);
    else it is :class:`AnswerTooLarge`, never a cut answer that looks whole.
    """

    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    formats: dict[str, str | None]
    max_rows: int
    prefixes: tuple[tuple[str, str], ...] = ()
    base_iri: str | None = None
    network: bool = False
    truncate: bool = False


@dataclass(frozen=True)
class Answer:
    """A query's answer, serialized: ``truncated`` when rows beyond ``max_rows`` were cut."""

    body: bytes
    format_name: str
    kind: str
    rows: int
    truncated: bool


def format_named(name: str, kind: str) -> Format:
    """The format called ``name`` among those for answers of ``kind``."""
    formats = RDF_FORMATS if kind == "graph" else RESULTS_FORMATS
    return next(f for f in formats if f.name == name)


def execute(store: Store, job: Job, *, deadline: float | None = None) -> Answer:
    """Run ``job`` on ``store`` and serialize at most ``job.max_rows`` rows of its answer.

    ``deadline`` (``time.monotonic()``): raise :class:`QueryTimeout` when reached between
    two rows (the inline mode; in a child the parent's kill is the limit).
    """
    try:
        result: QueryResult = store.query(job.query, default_graphs=job.default_graphs,
                                          named_graphs=job.named_graphs, prefixes=dict(job.prefixes),
                                          base_iri=job.base_iri)
    except OSError as exc:  # pyoxigraph's SERVICE client
        raise ServiceFailed(str(exc)) from None
    name = job.formats.get(result.kind)
    if name is None:
        raise NotAcceptable(result.kind)
    fmt = format_named(name, result.kind)
    try:
        if result.kind == "boolean":
            return Answer(result.serialize(fmt), name, "boolean", 1, False)
        rows, cut = first_rows(_until(result.raw, deadline), job.max_rows)
        if cut and not job.truncate:
            raise AnswerTooLarge(job.max_rows)
        if result.kind == "graph":
            body = write_triples(rows, fmt)
        elif isinstance(result.raw, ox.QuerySolutions):
            body = write_solutions(result.raw.variables, rows, fmt.oxigraph)
        else:  # another store's result type: its own serializer, uncut
            return Answer(result.serialize(fmt), name, result.kind, len(rows), False)
    except OSError as exc:
        raise ServiceFailed(str(exc)) from None
    except RuntimeError as exc:
        if job.network and "custom function" not in str(exc):
            # pyoxigraph reports an answer of the other endpoint it cannot read (HTML, plain
            # text, broken JSON) as an evaluation error: that server's failure, not the query's.
            raise ServiceFailed(str(exc)) from None
        raise evaluation_error(exc) from None
    return Answer(body, name, result.kind, len(rows), cut)


def _until(rows: Iterable, deadline: float | None) -> Iterator:
    if deadline is None:
        yield from rows
        return
    for row in rows:
        if time.monotonic() > deadline:
            raise QueryTimeout(0)
        yield row


# --- the child -------------------------------------------------------------------------


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when the thread that spawned it ends."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pipe's EOF still ends an idle child
        pass


def _limit_memory(megabytes: int) -> None:
    """Let this process take at most ``megabytes`` MiB of data memory beyond what it holds now.

    A timeout alone does not bound memory: an ORDER BY over a product of everything took
    1.4 GB within 5 s here. RLIMIT_DATA (heap and anonymous mappings; the on-disk store's
    file mappings do not count) makes the engine's next allocation fail instead: Rust then
    aborts the process, Python raises MemoryError, and the parent reports either as this
    limit. Counted from the present size, so a store held in memory is not charged to it.
    """
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as status:
            held = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmData:"))
    except (OSError, StopIteration, ValueError):  # not Linux: no limit rather than a wrong one
        return
    limit = held + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


#: The stack of the thread that runs queries in a query process. The engine's parser and
#: evaluator recurse per level of nesting and per operator of a chain; on the default 8 MiB
#: a query of 3000 nested groups or a sum of 10,000 terms overflowed it (a segfault); on
#: this one neither did at 30,000 (measured with pyoxigraph 0.5.13). Address space only:
#: pages are used as the recursion reaches them.
QUERY_STACK_BYTES = 512 * 1024 * 1024

#: What a query process without the network says of any SERVICE call it could not make:
#: one message whatever the endpoint, so the answer tells nothing of what is behind it.
NO_NETWORK = ("a SERVICE call of the query was not made: this query runs where nothing can leave the "
              "server, because one of its SERVICE endpoints is not in the server's federation_allow "
              "setting or could not be read as an IRI. Write each endpoint as an IRI of that list.")


def _child_main(conn, spec: StoreSpec, parent: int, memory_mb: int = 0, network: bool = False) -> None:
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the request above took effect
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C on the server: the parent decides
    if not network:
        from .sandbox import forbid_network

        forbid_network()  # before anything else runs here, for every thread to come
    store = spec.open()
    threading.stack_size(QUERY_STACK_BYTES)
    # The loop runs on a thread of its own: only a new thread gets the larger stack.
    runner = threading.Thread(target=_serve_jobs, args=(conn, store, memory_mb, network), name="kgraph-queries")
    runner.start()
    runner.join()


def _serve_jobs(conn, store: Store, memory_mb: int, network: bool) -> None:
    if memory_mb > 0:
        _limit_memory(memory_mb)  # counted from now: the data and this thread's stack are held
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", execute(store, job))
        except UnsupportedFunction as exc:
            reply = ("unsupported", str(exc))
        except QueryError as exc:
            reply = ("query", str(exc))
        except ServiceFailed as exc:
            reply = ("service", str(exc) if network else NO_NETWORK)
        except NotAcceptable as exc:
            reply = ("406", exc.kind)
        except AnswerTooLarge as exc:
            reply = ("too-large", exc.rows)
        except MemoryError:
            reply = ("memory", None)
        except Exception as exc:  # noqa: BLE001 — told to the parent, which logs it
            reply = ("fault", f"{type(exc).__name__}: {exc}")
        conn.send(reply)


class _Child:
    def __init__(self, context, spec: StoreSpec, memory_mb: int = 0, network: bool = False):
        self.conn, theirs = context.Pipe()
        self.process = context.Process(target=_child_main, args=(theirs, spec, os.getpid(), memory_mb, network),
                                       name="kgraph-query-federated" if network else "kgraph-query",
                                       daemon=True)
        self.process.start()
        theirs.close()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class QueryExecutor:
    """A pool of ``size`` query children for this process, started on first use (per pid).

    ``run`` takes an idle child, sends the job and waits ``timeout`` seconds for the answer.
    ``network``: the children may reach the network (for federated queries only); else none
    of them can open a socket (:func:`kgraph.sandbox.forbid_network`).
    """

    def __init__(self, spec: StoreSpec, *, size: int, timeout: float, memory_mb: int = 0,
                 network: bool = False):
        self.spec = spec
        self.network = network
        self.size = max(1, size)
        self.timeout = timeout
        self.memory_mb = memory_mb  # per query process, beyond the data it holds; 0: no limit
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._idle: queue.Queue[_Child] = queue.Queue()
        self._spawns: queue.Queue[bool] = queue.Queue()
        self._first_ready = threading.Event()
        self._children: set[_Child] = set()
        self._busy: set[_Child] = set()
        self._wanted = 0  # children started or starting (replacements keep the count)
        self._closed = False
        self.replaced = 0  # children killed or crashed and replaced (for tests and logs)

    # -- life cycle --

    def start(self, *, wait: bool = False, every: bool = False) -> None:
        """Start the pool in this process (again after a fork): one child, or ``every`` one
        (a server worker, at its start); more are added when all are busy. ``wait``: until
        one is ready."""
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._idle = queue.Queue()
                self._spawns = queue.Queue()
                self._first_ready = threading.Event()
                self._children = set()
                self._busy = set()
                self._wanted = 0
                self._closed = False
                # Every child is spawned from this one long-lived thread: PR_SET_PDEATHSIG
                # fires when the *thread* that spawned a child ends, not its process.
                threading.Thread(target=self._spawner, name="kgraph-query-spawner", daemon=True).start()
                atexit.register(self.close)
            while self._wanted < (self.size if every else 1):
                self._grow()
        if wait and not self._first_ready.wait(STARTUP_SECONDS):
            raise ExecutorBusy("the query processes did not start")

    def _grow(self) -> None:
        """One more child (under ``_lock``). A pool grows only as far as queries run at once:
        an app that answers one query at a time (as in tests) keeps one process, not ``size``."""
        self._wanted += 1
        self._spawns.put(True)

    def _spawner(self) -> None:
        while self._spawns.get():
            if self._closed:
                return
            try:
                child = _Child(self._context, self.spec, self.memory_mb, self.network)
            except Exception:  # e.g. no resources left: the pool runs smaller
                logger.exception("a query process could not be started")
                self._first_ready.set()  # let requests fail fast (busy) rather than hang
                continue
            self._children.add(child)
            # One at a time: started together, a worker's fresh interpreters (and the other
            # worker's) compete for the cores and the first query waits for all of them
            # (measured: first answer after 4.4 s on 2 cores; one at a time, 0.8 s).
            self._await_ready(child)

    def _await_ready(self, child: _Child) -> None:
        try:
            ready = child.conn.poll(STARTUP_SECONDS) and child.conn.recv()[0] == "ready"
        except (EOFError, OSError):
            ready = False
        if ready and not self._closed:
            self._idle.put(child)
            self._first_ready.set()
        else:  # it could not open the data: do not loop spawning children that fail alike
            if not self._closed:
                logger.error("a query process could not open the data (%s)", self.spec)
            self._first_ready.set()
            self._children.discard(child)
            child.kill()

    def idle(self) -> int:
        """Children ready for a query now."""
        return self._idle.qsize()

    def busy(self) -> list[int]:
        """The process ids of the children running a query now."""
        return [child.process.pid for child in list(self._busy)]

    def children(self) -> list[int]:
        """The process ids of this pool's children (started or starting)."""
        return [child.process.pid for child in list(self._children)]

    def close(self) -> None:
        """Kill every child (at exit, or when a test is done)."""
        self._closed = True
        self._spawns.put(False)
        for child in list(self._children):
            child.kill()
        self._children.clear()

    def _replace(self, child: _Child) -> None:
        self._children.discard(child)
        child.kill()
        self.replaced += 1
        if not self._closed:
            self._spawns.put(True)

    # -- a query --

    def _wait_for_a_spare(self, wait: float) -> None:
        """Until this worker has an idle child besides the last one, or none of its children is
        busy (then nobody else needs the last); :class:`LastProcessKept` after ``wait`` seconds."""
        deadline = time.monotonic() + wait
        # Counted in idle children: one being replaced after a kill is not there to take.
        while self._idle.qsize() <= 1 and self._busy:
            if time.monotonic() >= deadline:
                raise LastProcessKept("the last query process of this worker is kept for other clients")
            time.sleep(0.01)

    def _take(self, newcomer: bool, wait: float = 0.0) -> _Child:
        """An idle child that is still alive (one killed while idle, by the OOM killer say,
        is replaced, not handed a query); the pool grows when none is idle.

        A client that already has a query running (``newcomer`` False) does not get this
        worker's last idle child while others are busy (it waits up to ``wait`` seconds for
        another, then :class:`LastProcessKept`), in a pool of :data:`RESERVE_FROM` or more: the server's shared
        slots cannot tell which worker a request lands on, and without this, two busy
        clients filled one worker and a newcomer sent there waited for their timeouts.

        The wait has its own bound, apart from the query's (whose clock starts when a child
        takes it): long enough for a new child to start on a loaded machine (1.7 s measured
        on 2 busy cores), even where the query timeout is shorter."""
        if not newcomer and self.size >= RESERVE_FROM:
            self._wait_for_a_spare(wait)
        deadline = time.monotonic() + max(self.timeout, TAKE_SECONDS)
        if self._idle.empty():
            with self._lock:
                if self._wanted < self.size:
                    self._grow()
        while True:
            try:
                child = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise ExecutorBusy(f"every query process was busy for {self.timeout:g} s") from None
            if child.process.is_alive():
                return child
            self._replace(child)

    def run(self, job: Job, *, newcomer: bool = True, wait: float = 0.0) -> Answer:
        """The answer to ``job``, or :class:`QueryTimeout`, :class:`ExecutorBusy`,
        :class:`EngineCrashed`, :class:`QueryError`, :class:`ServiceFailed`, :class:`NotAcceptable`.
        ``newcomer``: the client has no other query running (see :meth:`_take`)."""
        self.start()
        if not self._first_ready.wait(STARTUP_SECONDS):
            raise ExecutorBusy("the query processes did not start")
        child = self._take(newcomer, wait)
        self._busy.add(child)
        try:
            child.conn.send(job)
            answered = child.conn.poll(self.timeout)
            reply = child.conn.recv() if answered else None
        except (EOFError, OSError, BrokenPipeError):
            child.process.join(1)
            aborted = child.process.exitcode == -signal.SIGABRT  # Rust's answer to a failed allocation
            self._replace(child)
            if aborted and self.memory_mb > 0:
                raise QueryOutOfMemory(self.memory_mb) from None
            raise EngineCrashed("the query process ended while running the query") from None
        except BaseException:
            self._replace(child)
            raise
        finally:
            self._busy.discard(child)
        if reply is None:
            child.process.kill()  # SIGKILL: the work stops now, whatever the engine was doing
            # Joining the dead process and spawning its successor need not delay the answer.
            threading.Thread(target=self._replace, args=(child,), daemon=True).start()
            raise QueryTimeout(self.timeout)
        self._idle.put(child)
        status, value = reply
        if status == "ok":
            return value
        if status == "query":
            raise QueryError(value)
        if status == "unsupported":
            raise UnsupportedFunction(value)
        if status == "service":
            raise ServiceFailed(value)
        if status == "406":
            raise NotAcceptable(value)
        if status == "too-large":
            raise AnswerTooLarge(value)
        if status == "memory":
            raise QueryOutOfMemory(self.memory_mb)
        raise RuntimeError(f"the query process failed: {value}")

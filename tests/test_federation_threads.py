"""The federation check under a threaded server: several request threads of one worker
check queries at once. rdflib's SPARQL parser broke for good when first entered by two
threads together (every later check failed, so valid queries got 403); found by
bench/load_test.py. Run in a fresh interpreter: the race is on the parser's first calls,
and a broken parser would spoil the rest of the test session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys, threading
sys.setswitchinterval(1e-5)  # switch threads often, as a loaded server does
from kgraph.examples import example_queries
from kgraph.federation import analyse
from kgraph.namespaces import PREFIXES

queries = [q.sparql for q in example_queries()]
failures = []

def check(offset):
    for i in range(len(queries)):
        try:
            analyse(queries[(i + offset) % len(queries)], prefixes=PREFIXES)
        except Exception as exc:
            failures.append(str(exc))

threads = [threading.Thread(target=check, args=(7 * t,)) for t in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(failures), failures[:1])
"""


def test_concurrent_federation_checks_all_parse():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("0 "), done.stdout

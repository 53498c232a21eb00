"""Copy what the tests use of the W3C SPARQL suite into ``suite/``: re-run after an upstream update.

    .venv/bin/python tests/w3c/vendor.py [/work/shared/w3c-rdf-tests]

Copies the manifests (each included one too), each syntax test's query, and each
query-evaluation test's query, data,
named graphs, FROM graphs, service data and expected result; the protocol tests' manifest
and data, and the Graph Store Protocol manifests; plus LICENSE.md.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from w3c_manifest import (BASE_URL, MANIFESTS, SUITE, SYNTAX_MANIFESTS, _manifest_urls, files_of, load_syntax_tests,
                          load_tests, path_of)

DEFAULT_SOURCE = Path("/work/shared/w3c-rdf-tests")
#: The protocol tests' files (their requests are in the manifests themselves).
PROTOCOL_FILES = ["sparql11/protocol/manifest.ttl", "sparql11/protocol/data1.nt", "sparql11/protocol/data2.nt",
                  "sparql11/protocol/data3.nt", "sparql11/graph-store-protocol/manifest.ttl",
                  "sparql11/graph-store-protocol/manifest-direct.ttl",
                  "sparql11/graph-store-protocol/manifest-indirect.ttl"]


def vendor(source: Path = DEFAULT_SOURCE) -> int:
    root = source / "sparql"
    urls: set[str] = set()
    for suite, manifest in MANIFESTS.items():
        urls.update(url for url, _ in _manifest_urls(BASE_URL + manifest, root))
        for test in load_tests(suite, root):
            urls.update(files_of(test))
    for suite, manifest in SYNTAX_MANIFESTS.items():
        urls.update(url for url, _ in _manifest_urls(BASE_URL + manifest, root))
        urls.update(test.query for test in load_syntax_tests(suite, root))
    urls.update(BASE_URL + name for name in PROTOCOL_FILES)
    if SUITE.exists():
        shutil.rmtree(SUITE)
    for url in sorted(urls):
        target = path_of(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path_of(url, root), target)
    shutil.copyfile(source / "LICENSE.md", SUITE / "LICENSE.md")
    return len(urls)


if __name__ == "__main__":
    count = vendor(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE)
    print(f"{count} files copied into {SUITE}")

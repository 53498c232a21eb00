"""What the fuzz tests share: their bounds, and what every answer of the server must be.

``FUZZ`` is applied per test (other suites keep their own hypothesis settings). The count
is small so the fuzz suite stays within seconds; ``KGRAPH_FUZZ_EXAMPLES=2000`` makes a
longer hunt, ``KGRAPH_FUZZ_RANDOM=1`` draws new examples instead of the fixed ones.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import HealthCheck, event, settings

ROOT = Path(__file__).resolve().parents[2]

FUZZ = settings(
    max_examples=int(os.environ.get("KGRAPH_FUZZ_EXAMPLES", "100")),
    deadline=None,  # time is bounded by the count; one slow parse is no failure
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large],
    derandomize=not os.environ.get("KGRAPH_FUZZ_RANDOM"),  # the same examples in every run
    print_blob=True,
)

#: What an answer never carries: internals a client has no business seeing.
LEAKS = ("Traceback", 'File "', "site-packages", str(ROOT), "Werkzeug/", "Python/", "gunicorn/",
         "Oxigraph/", "pyparsing")

ERROR_TYPES = {"application/json", "text/html", "text/plain"}


def assert_no_leak(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, f"the answer shows {leak!r}:\n{text[:2000]}"


def assert_answer_is_sound(response, *, protocol: bool = True) -> None:
    """Never a 5xx; a 4xx of a protocol path in the documented error shape; no internals."""
    event(f"{response.status_code} {response.mimetype}")  # shown by --hypothesis-show-statistics
    body = response.get_data()
    text = body.decode("utf-8", "replace")
    assert response.status_code < 500, text[:2000]
    assert_no_leak(text)
    assert_no_leak(" ".join(f"{k}: {v}" for k, v in response.headers.items()))
    if response.status_code < 400 or not protocol or response.request.method == "HEAD":
        return
    status = response.status_code
    assert response.mimetype in ERROR_TYPES, response.content_type
    if response.mimetype == "application/json":
        error = json.loads(text)["error"]
        assert error["status"] == status and error["title"] and error["message"]
    elif response.mimetype == "text/html":
        assert f"<h1>{status} " in text
    else:
        assert text.startswith(f"{status} ")

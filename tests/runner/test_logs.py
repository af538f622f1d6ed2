"""Per-step log capture: prints and logging of one thread go to its own buffer."""

from __future__ import annotations

import logging
import sys
import threading

from cdiscflow.runner.logs import capture


def work(name: str, results: dict[str, str], barrier: threading.Barrier) -> None:
    with capture() as buf:
        barrier.wait()
        for i in range(50):
            print(f"{name} line {i}")
            logging.getLogger("stage").info("%s record %d", name, i)
        print(f"{name} error", file=sys.stderr)
    results[name] = buf.getvalue()


def test_threads_capture_only_their_own_output():
    results: dict[str, str] = {}
    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=work, args=(n, results, barrier)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for me, other in (("a", "b"), ("b", "a")):
        text = results[me]
        assert text.count(f"{me} line") == 50 and text.count(f"INFO stage: {me} record") == 50
        assert f"{me} error" in text
        assert f"{other} " not in text


def test_output_outside_a_capture_is_not_captured(capsys):
    with capture() as buf:
        print("inside")
    print("outside")
    assert buf.getvalue() == "inside\n"
    assert "outside" in capsys.readouterr().out

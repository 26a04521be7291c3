"""The worker process protocol (worker.py): ready line, one reply per request, protocol errors, the end."""

from __future__ import annotations

import importlib.util
import io
import json
import selectors
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import worker
from corpus import Case, judge, load_corpus, run_case

import dictwalk
from dictwalk.backends import python as reference

WORKER = Path(worker.__file__).resolve()
CASES = {case.id: case for case in load_corpus()}
# A spread of cases: reads, writes, errors, tagged values, cycles, raising objects.
SAMPLE = [
    "robust.cyclic_dict.get.star",
    "robust.raising.get.sorted.strict",
    "robust.raising_all.run_filter.string",
    "robust.self_ref.set.descend_x",
    "robust.int64.run_filter.neg_min_i64",
    "robust.mixed.set.inc_across_items_str",
    *[case.id for case in CASES.values() if case.file == "paths-examples.json"],
]


def serve(api: str, lines: list[str]) -> tuple[int, list[dict[str, Any]], str]:
    """Run the worker in process on ``lines``: exit status, replies, stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    status = worker.serve(api, io.StringIO("".join(line + "\n" for line in lines)), stdout, stderr)
    return status, [json.loads(line) for line in stdout.getvalue().splitlines()], stderr.getvalue()


def request(case: Case) -> str:
    return json.dumps(case.to_json(), ensure_ascii=False)


def test_ready_line_describes_the_installation() -> None:
    status, replies, _ = serve("python", [])
    assert status == 0
    assert replies == [
        {
            "ready": {
                "api": "python",
                "version": dictwalk.__version__,
                "backend": dictwalk.backend_name(),
                "module": dictwalk.__file__,
                "native": None,
            }
        }
    ]


def test_the_default_api_is_the_dictwalk_object_and_says_whether_the_native_module_imports() -> None:
    status, replies, _ = serve("default", [request(CASES[SAMPLE[0]])])
    assert status == 0
    ready = replies[0]["ready"]
    assert (ready["api"], ready["backend"]) == ("default", dictwalk.backend_name())
    native = importlib.util.find_spec("dictwalk._native") is not None
    assert ready["native"] is native
    assert replies[1]["outcome"] == run_case(reference, CASES[SAMPLE[0]].to_json())


def test_each_request_gets_its_outcome_in_order() -> None:
    status, replies, stderr = serve("python", [request(CASES[case_id]) for case_id in SAMPLE])
    assert status == 0 and stderr == ""
    assert [reply["id"] for reply in replies[1:]] == SAMPLE
    for reply in replies[1:]:
        case = CASES[reply["id"]]
        assert reply["outcome"] == run_case(reference, case.to_json())
        assert judge(case, reply["outcome"]) is None, case.id


def test_a_group_is_answered_as_its_requests_each_on_its_own_copy() -> None:
    doc = {"a": [{"id": 1, "v": "x"}, {"id": 2}], "b": {"c": 1.5}}
    cases = [
        {"id": "g.set", "op": "set", "path": "a[?.id==1].v", "args": {"value": 7}},
        {"id": "g.get", "op": "get", "path": "a[?.id==1].v", "args": {}},
        {"id": "g.unset", "op": "unset", "path": "b.c", "args": {}},
        {"id": "g.exists", "op": "exists", "path": "b.c", "args": {"strict": True}},
        {"id": "g.bad", "op": "walk", "path": "a", "args": {}},
    ]
    status, replies, _ = serve("python", [json.dumps({"doc": doc, "group": cases})])
    _, alone, _ = serve("python", [json.dumps({**case, "doc": doc}) for case in cases])
    assert status == 0
    assert replies == alone
    assert [reply["id"] for reply in replies[1:]] == [case["id"] for case in cases]
    assert replies[2]["outcome"] == {"value": ["x"]}
    assert replies[4]["outcome"] == {"value": True}
    assert "unknown op 'walk'" in replies[5]["protocol_error"]


def test_a_group_without_details_leaves_them_out_of_its_errors_only() -> None:
    cases = [
        {"id": "d.bad", "op": "get", "path": "a[?.id==1", "args": {}},
        {"id": "d.strict", "op": "get", "path": "x", "args": {"strict": True}},
        {"id": "d.good", "op": "get", "path": "a", "args": {}},
    ]
    doc = {"a": 1}
    _, full, _ = serve("python", [json.dumps({"doc": doc, "group": cases})])
    _, bare, _ = serve("python", [json.dumps({"doc": doc, "group": cases, "details": False})])
    assert [set(reply["outcome"]) for reply in full[1:3]] == [
        {"error", "message", "context", "cause", "pickles"}
    ] * 2
    for with_details, without in zip(full[1:], bare[1:], strict=True):
        kept = {
            key: value
            for key, value in with_details["outcome"].items()
            if key not in ("context", "cause", "pickles")
        }
        assert without["outcome"] == kept
    assert bare[3]["outcome"] == {"value": 1}


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"doc": {}, "group": {"id": "x"}}', "a group must be a list of JSON objects"),
        ('{"doc": {}, "group": [1]}', "a group must be a list of JSON objects"),
        ('{"group": []}', "a group needs 'doc'"),
        ('{"doc": {}, "group": [], "details": 0}', "a group's 'details' must be true or false"),
    ],
)
def test_a_malformed_group_gets_one_protocol_error(line: str, problem: str) -> None:
    status, replies, _ = serve("python", [line, '{"doc": {"a": 1}, "group": []}'])
    assert status == 0
    assert replies[1:] == [{"id": None, "protocol_error": problem}]


@pytest.mark.parametrize(
    ("line", "reply_id", "problem"),
    [
        ("{not json", None, "not JSON"),
        ("[1, 2]", None, "a request must be a JSON object"),
        ('{"id": "x", "op": "get", "path": "a", "args": {}}', "x", "'doc'"),
        ('{"id": "x", "op": "get", "doc": {}, "args": {}}', "x", "'path'"),
        ('{"op": "get", "path": "a", "doc": {}, "args": {}}', None, "'id' (str)"),
        ('{"id": "x", "op": "get", "path": "a", "doc": {}, "args": []}', "x", "'args' (dict)"),
        ('{"id": "x", "op": "walk", "path": "a", "doc": {}, "args": {}}', "x", "unknown op 'walk'"),
        ('{"id": "x", "op": "set", "path": "a", "doc": {}, "args": {}}', "x", "set needs args.value"),
        ('{"id": "x", "op": "get", "path": "a", "doc": {"$repr": "x"}, "args": {}}', "x", "$repr"),
        ('{"id": "x", "op": "get", "path": "a", "doc": [{"$cycle": 2}], "args": {}}', "x", "$cycle 2"),
    ],
)
def test_a_bad_request_is_reported_and_the_worker_goes_on(
    line: str, reply_id: str | None, problem: str
) -> None:
    good = CASES["robust.int64.run_filter.neg_min_i64"]
    status, replies, _ = serve("python", [line, request(good)])
    assert status == 0
    assert replies[1]["id"] == reply_id
    assert problem in replies[1]["protocol_error"]
    assert "\n" not in replies[1]["protocol_error"]
    assert replies[2] == {"id": good.id, "outcome": run_case(reference, good.to_json())}


def test_an_empty_line_ends_the_worker() -> None:
    first, second = CASES[SAMPLE[0]], CASES[SAMPLE[1]]
    status, replies, _ = serve("python", [request(first), "", request(second)])
    assert status == 0
    assert [reply.get("id") for reply in replies] == [None, first.id]


def test_an_api_that_cannot_be_imported_exits_2_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = worker.importlib.import_module

    def import_module(name: str) -> Any:
        if name == "dictwalk.backends.rust":
            raise ImportError("no native module here")
        return real_import(name)

    monkeypatch.setattr(worker.importlib, "import_module", import_module)
    status, replies, stderr = serve("rust", ['{"id": "x"}'])
    assert status == 2
    assert replies == []
    assert stderr.count("\n") == 1 and "no native module here" in stderr


def test_the_worker_stops_on_interrupts_rather_than_reporting_them() -> None:
    class Interrupted:
        def get(self, *args: Any, **kwargs: Any) -> Any:
            raise KeyboardInterrupt

    case = {"id": "x", "op": "get", "path": "a", "doc": {}, "args": {}}
    with pytest.raises(KeyboardInterrupt):
        run_case(Interrupted(), case)


def _installed() -> bool:
    """Whether this interpreter imports dictwalk without the source tree on sys.path."""
    probe = subprocess.run([sys.executable, "-I", "-c", "import dictwalk"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _installed(), reason="dictwalk is not installed in this interpreter's environment")
def test_worker_process_answers_each_line_as_it_comes(tmp_path: Path) -> None:
    command = [sys.executable, "-I", str(WORKER), "--api", "python"]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with subprocess.Popen(command, cwd=tmp_path, **pipes) as process, selectors.DefaultSelector() as selector:
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        stdin, stdout = process.stdin, process.stdout
        selector.register(stdout, selectors.EVENT_READ)

        def exchange(line: str | None) -> dict[str, Any]:
            if line is not None:
                stdin.write((line + "\n").encode("utf-8"))
                stdin.flush()
            # A worker that does not flush would leave this waiting: fail instead of hanging.
            assert selector.select(timeout=60), "no reply from the worker"
            reply: dict[str, Any] = json.loads(stdout.readline().decode("utf-8"))
            return reply

        assert exchange(None)["ready"]["api"] == "python"
        case = CASES["robust.mixed.run_filter.sort_by_equal_keys"]
        assert exchange(request(case)) == {"id": case.id, "outcome": run_case(reference, case.to_json())}
        # A str result that UTF-8 cannot carry (a lone surrogate) is a $str value.
        lone = {"id": "lone", "op": "run_filter", "path": "$string", "doc": None, "args": {"value": "\ud800"}}
        assert exchange(json.dumps(lone)) == {"id": "lone", "outcome": {"value": {"$str": [55296]}}}
        # An error message that UTF-8 cannot carry still gets a reply.
        lone = {"id": "lone", "op": "get", "path": {"$str": [55296]}, "doc": {}, "args": {"strict": True}}
        answer = exchange(json.dumps(lone))
        assert answer["id"] == "lone" and answer["outcome"]["error"] == "EncodeError"
        # A request that is not UTF-8 is a protocol error, and the worker goes on.
        stdin.write(b'{"id": "\xff"}\n')
        stdin.flush()
        assert exchange(None) == {"id": None, "protocol_error": "not UTF-8"}
        assert exchange(request(case))["id"] == case.id
        stdin.close()
        assert process.wait(timeout=60) == 0
        assert process.stderr.read() == b""

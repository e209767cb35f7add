"""`aimi evaluate-batch` end to end through the real `aimi` command: JSON Lines in and out,
bad lines reported by number, byte-identical output for the same input, no app or database."""

from __future__ import annotations

import json

from click.testing import CliRunner
from flask.cli import ScriptInfo

from aimi.evaluators import BUILTIN_EVALUATORS
from aimi.web.cli import main

GOOD = {
    "id": "q1-a",
    "question": "What is a database index and why is it useful?",
    "answer": "A database index is a sorted copy of a column. It makes lookups fast because the "
              "database can jump to the matching rows. For example, an index on email speeds up login.",
    "reference_answers": ["An index lets the database find rows without scanning the whole table."],
    "rubric": ["finds rows without a full table scan"],
    "keywords": ["index", "lookup"],
    "type": "technical",
}
BEHAVIOURAL = {
    "id": 7,
    "question": "Tell me about a time you led a team.",
    "answer": "Um, in my internship I was asked to run the release. I planned the steps and I ran "
              "daily check-ins. As a result, we shipped on time.",
    "type": "behavioural",
}
BAD_LINES = [
    "{not json",
    json.dumps({"id": "x", "question": "Q?"}),
    json.dumps({"id": "y", "question": "Q?", "answer": "   "}),
    json.dumps({"id": "z", "question": "Q?", "answer": "A.", "keywords": "index"}),
    json.dumps({"id": "w", "question": "Q?", "answer": "A.", "type": "sales"}),
    json.dumps(["a", "list"]),
]


def _no_app():
    raise AssertionError("evaluate-batch must not load the Flask app (no database, no tenant)")


def run(stdin: str, *args: str):
    return CliRunner().invoke(main, ["evaluate-batch", *args], input=stdin,
                              obj=ScriptInfo(create_app=_no_app))


def test_scores_every_good_line_and_reports_bad_ones_by_number():
    lines = [json.dumps(GOOD), *BAD_LINES, "", json.dumps(BEHAVIOURAL)]
    result = run("\n".join(lines) + "\n")
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in out] == ["q1-a", 7]
    for report in out:
        assert set(report["dimensions"]) == {name.rsplit(".", 1)[1] for name in BUILTIN_EVALUATORS}
        assert 0 <= report["overall"] <= 100
        for dimension in report["dimensions"].values():
            assert set(dimension) >= {"score", "evidence", "suggestions"}
            assert 0 <= dimension["score"] <= 100
    fillers = out[1]["dimensions"]["delivery"]["evidence"]["fillers"]["items"]
    assert [(f["word"], BEHAVIOURAL["answer"][slice(*f["span"])]) for f in fillers] == [("Um", "Um")]
    errors = result.stderr
    assert "line 2: invalid JSON" in errors
    assert "line 3: missing field 'answer'" in errors
    assert "line 4: 'answer' is empty" in errors
    assert "line 5: 'keywords' must be a list of non-empty strings" in errors
    assert "line 6: unknown type 'sales'" in errors
    assert "line 7: expected a JSON object" in errors
    assert "line 8" not in errors  # a blank line is skipped, not an error
    assert "2 answer(s) scored, 6 line(s) failed" in errors


def test_same_input_gives_byte_identical_output(tmp_path):
    source = tmp_path / "answers.jsonl"
    source.write_text(json.dumps(GOOD) + "\n" + json.dumps(BEHAVIOURAL) + "\n", encoding="utf-8")
    outputs = []
    for n in range(2):
        target = tmp_path / f"out{n}.jsonl"
        result = run("", "--input", str(source), "--output", str(target))
        assert result.exit_code == 0, result.stderr
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    first = outputs[0].decode().splitlines()[0]
    assert first == json.dumps(json.loads(first), sort_keys=True, ensure_ascii=False)


def test_unreadable_input_file_is_a_usage_error(tmp_path):
    result = run("", "--input", str(tmp_path / "missing.jsonl"))
    assert result.exit_code == 2 and "missing.jsonl" in result.stderr

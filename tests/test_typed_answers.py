"""What a placement head saw on typed answers, reproduced through the evaluations API: a typed
answer was told it was "hard to follow when heard", "you see" counted as a filler word in
typed text, and a bare keyword list scored 100 on delivery. Typed answers get advice for
readers; fillers in typed text are only true fillers; a list of terms is not fluent prose.
Spoken answers keep their own measures (the voice tests cover them)."""

from __future__ import annotations

from aimi.plugins.manager import get_manager
from aimi.plugins.scoring import score
from aimi.plugins.types import AnswerInput

API = "/t/alpha/api/v1/evaluations"
QUESTION = "How does a hash map work, and what is the time complexity of its operations?"
REFERENCE = ("A hash map stores key-value pairs in an array of buckets. A hash function turns each key into "
             "the index of a bucket, so lookup, insert and delete take O(1) time on average. Collisions are "
             "handled by chaining or open addressing, and the worst case is O(n).")
KEYWORDS = ["hash function", "bucket", "key", "value", "array", "index", "collision", "chaining",
            "open addressing", "load factor", "rehash", "resize", "O(1)", "O(n)", "worst case", "average"]
PLAIN = ("A hash map keeps its entries in an array of buckets. The hash function turns each key into the "
         "index of a bucket, so a lookup goes straight to it and takes constant time on average. When two "
         "keys land in the same bucket, the bucket keeps a short list of them. In the worst case every key "
         "collides and a lookup becomes linear.")
SPEECH_WORDS = ("heard", "listener", "pause", "speak", "spoke", "silent")


def evaluate(world, answer: str) -> dict:
    resp = world.client().post(API, json={"question": QUESTION, "answer": answer, "type": "technical",
                                          "reference_answers": [REFERENCE], "keywords": KEYWORDS},
                               headers={"Authentication-Token": world.token("alpha", "mentor")})
    assert resp.status_code == 202, resp.get_json()
    return resp.get_json()["report"]


def advice(report: dict) -> list[str]:
    return [s for d in report["dimensions"].values() for s in d["suggestions"]] + report["areas_to_improve"]


def test_a_typed_answer_gets_no_advice_about_being_heard(world):
    dense = ("Consequently, hashing-based associative containers guarantee approximately constant "
             "computational complexity, notwithstanding occasional deterioration attributable to "
             "pathological collision distributions necessitating comprehensive reorganisation. "
             "Additionally, implementations periodically redistribute entries, maintaining "
             "satisfactory utilisation characteristics.")
    rambling = ("A hash map is an array of buckets and a hash function turns each key into the index of a "
                "bucket and then the lookup goes to that bucket and finds the key there and that takes "
                "constant time on average unless many keys share the bucket and then it is slower.")
    for answer in (dense, rambling):
        report = evaluate(world, answer)
        language = report["dimensions"]["language"]["suggestions"]
        assert language, report["dimensions"]["language"]  # the readability advice is there
        said = " ".join(advice(report)).lower()
        assert not [w for w in SPEECH_WORDS if w in said], advice(report)


def test_meaningful_phrases_in_typed_text_are_not_fillers_and_true_fillers_are(world):
    meaningful = ("As you see in the table, a hash function maps each key to a bucket. You know the bucket "
                  "at once, so a lookup takes constant time on average. I mean the average case: the worst "
                  "case is linear. It actually stores the key too, so collisions can be told apart.")
    report = evaluate(world, meaningful)
    delivery = report["dimensions"]["delivery"]
    assert delivery["evidence"]["fillers"]["count"] == 0, delivery["evidence"]["fillers"]
    assert delivery["score"] >= 95 and not delivery["suggestions"]

    hesitant = ("Um, a hash map, you know, keeps an array of buckets. Uh, the hash function turns each key "
                "into an index, so a lookup is constant time on average.")
    fillers = evaluate(world, hesitant)["dimensions"]["delivery"]
    assert fillers["evidence"]["fillers"]["by_word"] == {"um": 1, "you know": 1, "uh": 1}
    said = " ".join(fillers["suggestions"]).lower()
    assert "filler" in said and not [w for w in SPEECH_WORDS if w in said], said


def test_a_keyword_list_is_not_fluent_prose(world):
    listed = evaluate(world, ", ".join(KEYWORDS))
    plain = evaluate(world, PLAIN)
    for name in ("delivery", "language"):
        assert listed["dimensions"][name]["score"] <= 60, (name, listed["dimensions"][name])
        assert plain["dimensions"][name]["score"] >= 85, (name, plain["dimensions"][name])
    assert any("full sentences" in s for s in listed["dimensions"]["delivery"]["suggestions"])


def test_spoken_answers_keep_the_voice_measures():
    """The same words, spoken: fillers are what the recogniser heard (the voice path), and a
    transcript without commas is not judged as a list."""
    words = "so you see the hash map keeps buckets and you know each key hashes to one of them"
    speech = {"word_count": 18, "wpm": 150, "pauses": [], "fillers_per_minute": 0.0, "fillers": []}
    spoken = score(AnswerInput("s", QUESTION, words, type="technical", speech=speech), manager=get_manager())
    delivery = spoken.dimensions["delivery"]
    assert delivery.evidence["mode"] == "speech" and delivery.score == 100

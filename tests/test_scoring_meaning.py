"""What a new user saw on "Try a sample answer" with a hash-map question, reproduced through
the real try-it API: an answer in plain words must beat a fluent wrong one and a bare keyword
list, a technical term said two ways is not asked for again, and technical words are neither
misspellings nor negative tone."""

from __future__ import annotations

import pytest

from aimi.platform.db import tenant_scope, tenant_session
from aimi.plugins import settings as plugin_settings
from aimi.plugins.manager import get_manager
from aimi.plugins.scoring import score
from aimi.plugins.types import AnswerInput

API = "/t/alpha/api/v1/evaluations"
HASH_MAP = {
    "question": "How does a hash map work, and what is the time complexity of its operations?",
    "reference_answers": [
        "A hash map stores key-value pairs in an array of buckets. A hash function turns each key into "
        "the index of a bucket, so lookup, insert and delete take O(1) time on average. Two keys can "
        "land in the same bucket, which is a collision; collisions are handled by chaining, a list in "
        "each bucket, or by open addressing. In the worst case, when many keys collide, operations "
        "degrade to O(n). When the map gets too full it resizes and rehashes the keys to keep the load "
        "factor low."],
    "rubric": [
        "a hash function maps each key to a bucket index",
        "lookup, insert and delete take O(1) on average",
        "collisions are handled by chaining or open addressing",
        "worst case O(n) when many keys collide",
        "resize and rehash when the load factor grows",
    ],
    "keywords": ["hash function", "bucket", "key", "value", "array", "index", "collision", "chaining",
                 "open addressing", "load factor", "rehash", "resize", "O(1)", "O(n)", "worst case",
                 "average"],
    "type": "technical",
}
PLAIN = ("It keeps an array of slots. To store a pair, it runs the key through a hash function that turns "
         "it into a slot number, so finding, adding or removing a key is constant time on average. "
         "Sometimes two keys end up in the same slot; then the slot keeps a small list of entries, or the "
         "map probes for the next free slot. If lots of keys pile into one slot, a lookup can become "
         "linear in the worst case. When the table fills up past its load factor, it grows and moves "
         "every key to its new slot.")
WRONG = ("A hash map is a balanced tree, so every lookup takes O(log n). Keys are kept in sorted order "
         "and there are never any collisions, because each key gets its own node. It never needs to "
         "resize, and deleting a key is slow because the whole tree is rebuilt.")
KEYWORDS = ", ".join(HASH_MAP["keywords"])


def evaluate(world, answer: str, **extra) -> dict:
    token = world.token("alpha", "mentor")
    resp = world.client().post(API, json={**HASH_MAP, "answer": answer, **extra},
                               headers={"Authentication-Token": token})
    assert resp.status_code == 202, resp.get_json()
    return resp.get_json()["report"]


def test_plain_words_beat_a_fluent_wrong_answer_and_a_keyword_list(world):
    plain, wrong, listed = (evaluate(world, a) for a in (PLAIN, WRONG, KEYWORDS))
    assert plain["overall"] >= 60, plain
    assert plain["overall"] - wrong["overall"] >= 15, (plain["overall"], wrong["overall"])
    assert plain["overall"] - listed["overall"] >= 15, (plain["overall"], listed["overall"])
    content = {name: r["dimensions"]["content"] for name, r in
               (("plain", plain), ("wrong", wrong), ("listed", listed))}
    assert content["plain"]["score"] - content["wrong"]["score"] >= 25
    # the evidence says why each loses
    says = {(c["says"], c["reference_says"]) for c in content["wrong"]["evidence"]["contradictions"]}
    assert ("O(log n)", "o(1) or o(n)") in says, says
    assert any("reference says" in s for s in content["wrong"]["suggestions"])
    assert "lists terms without explaining them" in content["listed"]["suggestions"][0]
    assert "contradictions" not in content["plain"]["evidence"]


def test_a_term_said_two_ways_is_not_asked_for_again(world):
    report = evaluate(world, "Lookups are O(1), that is constant time on average, because the hash "
                             "function gives the bucket directly; the worst case is O(n).")
    content = report["dimensions"]["content"]
    assert "O(1)" not in content["evidence"]["keywords_missing"]
    assert not any(s.startswith("Use the key terms") and "O(1)" in s for s in content["suggestions"])
    spoken = evaluate(world, "Lookups take order one time on average and order n in the worst case.")
    found = {k["keyword"] for k in spoken["dimensions"]["content"]["evidence"]["keywords_found"]}
    assert {"O(1)", "O(n)"} <= found


@pytest.mark.parametrize("word", ["app", "uptime"])
def test_everyday_technical_words_are_not_misspellings(world, word):
    report = evaluate(world, f"Our {word} uses a hash map so the {word} stays fast. The {word} was "
                             "measured by the team every week.")
    flagged = {m["word"].lower() for m in report["dimensions"]["language"]["evidence"]["spelling"]["items"]}
    assert word not in flagged


def test_collision_and_worst_case_are_not_negative_tone(world):
    report = evaluate(world, "A collision happens when two keys share a bucket. In the worst case every "
                             "key collides, lookups fail over to a linear scan and performance is killed.")
    sentiment = report["dimensions"]["tone"]["evidence"]["sentiment"]
    assert sentiment["compound"] >= 0 and not sentiment["negative_words"], sentiment


def _flagged(world, slug: str, answer: str) -> set[str]:
    token = world.token(slug, "admin")
    resp = world.client().post(f"/t/{slug}/api/v1/evaluations",
                               json={"question": "Tell us about a data project.", "answer": answer,
                                     "type": "technical"}, headers={"Authentication-Token": token})
    assert resp.status_code == 202, resp.get_json()
    items = resp.get_json()["report"]["dimensions"]["language"]["evidence"]["spelling"]["items"]
    return {item["word"].lower() for item in items}


def test_spelling_knows_the_colleges_banks_and_word_list(world):
    """Words of the college's question banks (the starter bank says "sharding" and "telecom")
    and of its own word list are spelt right there; another college's list does not apply."""
    answer = "We used sharding for the telecom data and the flink pipeline."
    assert _flagged(world, "alpha", answer) == {"flink"}  # bank words known, its own term not yet
    manager = get_manager()
    with tenant_scope(world.tenants["alpha"]):
        session = tenant_session()
        plugin_settings.save(session, "language", True, {"extra_words": ["Flink"]}, manager=manager)
        session.commit()
    try:
        assert _flagged(world, "alpha", answer) == set()
        assert "flink" in _flagged(world, "beta", answer)
    finally:
        with tenant_scope(world.tenants["alpha"]):
            session = tenant_session()
            plugin_settings.save(session, "language", True, {"extra_words": []}, manager=manager)
            session.commit()


def test_a_spoken_answer_is_not_judged_on_capitals(world):
    """A transcript's capitals and full stops are the recogniser's: the same words typed lose
    language points for them, spoken they do not."""
    words = ("the hash map is fast because i hash the key to a bucket and lookups are "
             "constant time on average and the worst case is linear when keys collide")
    manager = get_manager()
    typed = score(AnswerInput("t", HASH_MAP["question"], words, type="technical"), manager=manager)
    spoken = score(AnswerInput("s", HASH_MAP["question"], words, type="technical",
                               speech={"words_per_minute": 140}), manager=manager)
    typed_rules = {g["message"] for g in typed.dimensions["language"].evidence["grammar"]["items"]}
    spoken_rules = {g["message"] for g in spoken.dimensions["language"].evidence["grammar"]["items"]}
    assert "Write 'I' as a capital letter." in typed_rules and "Start each sentence with a capital letter." \
        in typed_rules
    assert not spoken_rules & {"Write 'I' as a capital letter.", "Start each sentence with a capital letter."}
    assert spoken.dimensions["language"].score > typed.dimensions["language"].score

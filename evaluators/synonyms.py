"""A small, hand-checked thesaurus for matching rubric points and keywords.

Offline and deterministic: each group lists lemmas that mean the same thing in an
interview or a classroom answer. Kept short on purpose: a wrong synonym gives credit
for a point the candidate did not make, which is worse than missing a paraphrase.
"""

from __future__ import annotations

_GROUPS: tuple[tuple[str, ...], ...] = (
    # General English
    ("big", "large", "huge", "great"),
    ("small", "little", "tiny"),
    ("fast", "quick", "rapid", "speedy"),
    ("slow", "sluggish"),
    ("start", "begin", "commence", "initiate"),
    ("end", "finish", "complete", "conclude"),
    ("stop", "halt", "cease"),
    ("show", "display", "demonstrate", "indicate"),
    ("help", "assist", "support", "aid"),
    ("make", "create", "build", "produce"),
    ("use", "utilize", "employ"),
    ("need", "require"),
    ("get", "obtain", "acquire", "receive"),
    ("give", "provide", "supply"),
    ("choose", "select", "pick"),
    ("change", "alter", "modify"),
    ("increase", "rise", "grow", "raise"),
    ("decrease", "reduce", "lower", "drop", "decline"),
    ("correct", "right", "accurate"),
    ("wrong", "incorrect", "mistaken"),
    ("mistake", "error", "fault"),
    ("problem", "issue", "difficulty"),
    ("answer", "solution", "response"),
    ("goal", "aim", "objective", "target"),
    ("result", "outcome", "consequence"),
    ("reason", "cause"),
    ("method", "approach", "technique", "way"),
    ("important", "crucial", "essential", "vital", "key"),
    ("main", "primary", "principal"),
    ("same", "identical", "equal"),
    ("different", "distinct", "dissimilar"),
    ("connect", "attach", "link", "join", "wire"),
    ("separate", "disconnect", "detach", "split", "isolate"),
    ("contain", "include", "hold"),
    ("move", "travel", "flow"),
    ("measure", "quantify", "gauge"),
    ("test", "check", "verify", "examine"),
    ("explain", "describe", "clarify"),
    ("prove", "confirm", "demonstrate"),
    ("near", "close", "nearby"),
    ("far", "distant"),
    ("hot", "warm"),
    ("cold", "cool", "chilly"),
    ("heat", "warmth"),
    ("light", "illuminate"),
    ("break", "damage", "broken", "damaged"),
    ("whole", "entire", "complete"),
    ("often", "frequently"),
    ("usually", "normally", "typically", "generally"),
    ("mainly", "mostly", "largely", "primarily"),
    ("enough", "sufficient", "adequate"),
    # Workplace and behavioural questions
    ("team", "group", "squad"),
    ("colleague", "coworker", "teammate", "peer"),
    ("manager", "supervisor", "boss", "lead"),
    ("customer", "client", "user"),
    ("deadline", "due"),
    ("conflict", "disagreement", "dispute"),
    ("communicate", "talk", "discuss", "speak"),
    ("plan", "schedule", "organize", "organise"),
    ("prioritize", "prioritise", "rank"),
    ("lead", "guide", "direct", "manage"),
    ("strength", "strong", "asset"),
    ("weakness", "weak", "shortcoming", "flaw"),
    ("experience", "background", "expertise"),
    ("job", "role", "position", "post"),
    ("company", "organization", "organisation", "firm", "employer"),
    ("skill", "ability", "capability", "competence"),
    ("learn", "study", "master"),
    ("improve", "enhance", "better", "optimize", "optimise"),
    ("achieve", "accomplish", "attain"),
    ("feedback", "review", "critique"),
    ("motivate", "inspire", "encourage"),
    # Technical questions
    ("function", "method", "procedure", "routine", "subroutine"),
    ("bug", "defect", "error", "fault"),
    ("fix", "repair", "resolve", "patch"),
    ("speed", "performance", "efficiency"),
    ("store", "save", "persist", "keep"),
    ("delete", "remove", "erase", "drop"),
    ("fetch", "retrieve", "load", "read"),
    ("write", "record", "save"),
    ("array", "list", "vector"),
    ("map", "dictionary", "hashmap", "hashtable"),
    ("parameter", "argument", "input"),
    ("return", "output", "yield"),
    ("object", "instance"),
    ("class", "type"),
    ("parent", "base", "superclass"),
    ("child", "derived", "subclass"),
    ("database", "db", "datastore"),
    ("server", "backend", "host"),
    ("request", "call", "query"),
    ("deploy", "release", "ship"),
    ("scale", "grow", "expand"),
    ("memory", "ram"),
    ("thread", "process", "task"),
    ("concurrent", "parallel", "simultaneous"),
    ("secure", "safe", "protected"),
    ("authentication", "login", "authenticate"),
    ("cache", "memoize", "memoise"),
)


def _index(groups: tuple[tuple[str, ...], ...]) -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for group in groups:
        for word in group:
            index.setdefault(word, set()).update(group)
    return {word: frozenset(words - {word}) for word, words in index.items()}


SYNONYMS: dict[str, frozenset[str]] = _index(_GROUPS)


def synonyms_of(lemma: str) -> frozenset[str]:
    """Lemmas that mean the same as ``lemma`` (the lemma itself excluded)."""
    return SYNONYMS.get(lemma, frozenset())

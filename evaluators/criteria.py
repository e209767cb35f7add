"""Content of HR and behavioural answers, judged on criteria instead of a model story.

A behavioural answer is good when it states the situation and what was at stake, says what
the candidate did in the first person, ends with a concrete (ideally measured) result and
what was learnt, and ties it to the role; an HR answer has criteria of its own ("tell me
about yourself": background, motivation, an example, relevance to the role). Whose story it
is does not matter, so nothing is matched against the reference answers: they are shown to
the candidate as an example of a strong answer, never scored against.

A question's rubric names its criteria (by id or label, see ``CRITERIA``); a rubric with no
known criterion (an older HR question written as story points) gets the defaults for its
kind of question. Each criterion has an explicit detector on the answer's own text (cue
phrases, first-person action verbs, numbers and outcomes, STAR parts shared with the
structure evaluator); evidence marks the spans that meet it and advice names what is
missing in general terms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aimi.evaluators.structure import star_parts
from aimi.evaluators.text_features import TermIndex, terms
from aimi.evaluators.textview import Sentence, TextView, Word, i_actions, view
from aimi.plugins.types import AnswerInput, DimensionScore, ScoringContext

NAME = "content"
CRITERIA_TYPES = ("hr", "behavioural")
COMPANY_PLACEHOLDER = "{company}"
# Expected answer length (words) of a criteria-judged answer when the question does not say.
EXPECTED_WORDS = {"hr": (60, 250), "behavioural": (120, 350)}
OFF_TOPIC_FLOOR = 0.35  # an answer sharing no word with the question keeps this share of its score
THEME_WORDS_FOR_FULL = 1  # an answer using none of the question's theme words is off topic
# Words that ask rather than name the theme of a question.
_ASKING_WORDS = frozenset({"tell", "time", "describe", "give", "example", "situation", "show", "explain",
                           "talk", "share", "handle", "know", "want", "think", "deal", "like"})


@dataclass(frozen=True)
class Found:
    """Where an answer meets a criterion: a sentence (character span) and how fully."""

    start: int
    end: int
    credit: float
    note: str


@dataclass(frozen=True)
class Facts:
    """What detectors may know besides the answer: the target company ("" when none)."""

    company: str


Detector = Callable[[TextView, Facts], list[Found]]


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    advice: str
    detect: Detector


# -- Cue phrases --------------------------------------------------------------------------

_NUMBER_WORDS = (r"two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|forty|"
                 r"fifty|hundred|thousand|dozen|half|twice|double|doubled|tripled|halved")
_MEASURE = re.compile(
    rf"\d+(?:[.,]\d+)?\s?(?:%|percent\b|x\b)?|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)
_LEARNING = re.compile(
    r"\b(?:i (?:have |had )?(?:learned|learnt|realised|realized|understood|discovered)"
    r"|(?:taught|showed|made) me|lessons?\b|takeaway|since then|from then on|ever since|next time"
    r"|now i (?:always|make sure|plan|check|ask|try|know)|i now\b|i still (?:use|apply|do)"
    r"|(?:do|handle) (?:it|things|this) differently|in hindsight|looking back|i would now)",
    re.IGNORECASE)
_OUTCOME = re.compile(
    r"\b(?:result|outcome|reduced|increased|improved|saved|delivered|finished|completed|won|achieved"
    r"|shipped|launched|passed|cut|grew|raised|met|fell|rose|dropped|doubled|halved|qualified|cleared"
    r"|selected|adopted|approved|accepted|renewed|signed|succeeded)\b", re.IGNORECASE)
_ROLE = re.compile(
    r"\b(?:(?:this|the|your|a) (?:role|job|position|team|company|organi[sz]ation|field|domain|industry)"
    r"|as an? (?:engineer|developer|analyst|designer|manager|marketer|consultant|scientist|executive"
    r"|trainee|intern|graduate)|engineers?|developers?|analysts?|designers?|product managers?"
    r"|marketers?|sales|customers?|clients?|users?|contribute|add value|bring (?:to|this)"
    r"|useful (?:to|for|in)|help (?:you|your)|relevant|(?:you|your) (?:need|needs|look for|want))\b",
    re.IGNORECASE)
_BACKGROUND = re.compile(
    r"\b(?:(?:first|second|third|fourth|final|last)[- ]year|student|degree|studying|studied|graduat\w*"
    r"|b\.?\s?tech|b\.?\s?sc|b\.?\s?com|bca|mca|mba|m\.?\s?tech|engineering|major(?:ing|ed)?\b|diploma"
    r"|college|university|internship|interned|intern\b|worked as|i am an?\b|i'm an?\b|my background)",
    re.IGNORECASE)
_MOTIVATION = re.compile(
    r"\b(?:because|since i|i (?:really )?(?:enjoy|love|like|am drawn|am passionate|care about|want to|"
    r"wish to|would love|am excited|am interested)|(?:interests|excites|motivates|drives|attracts) me"
    r"|passion\w*|what i (?:like|enjoy|love)|the reason|that is why|that's why|i am keen)\b",
    re.IGNORECASE)
_EXAMPLE = re.compile(
    r"\b(?:for example|for instance|once|last (?:year|semester|summer|month|term)|in my (?:internship|"
    r"project|final[- ]year|previous|last|first)|during my|when i was|at my (?:internship|previous|last))\b",
    re.IGNORECASE)
_SELF_AWARE = re.compile(
    r"\b(?:my (?:greatest |biggest |main |real )?(?:weakness|weak point|flaw|limitation)"
    r"|(?:a|one|real) (?:weakness|weak point|flaw)|weakness (?:of mine|i have)"
    r"|i (?:am|was|become|became|get|got) (?:nervous|anxious|impatient|disorgani[sz]ed|shy)"
    r"|i (?:tend|used) to|i (?:sometimes |often )?(?:struggle|find it (?:hard|difficult)|can be|get)"
    r"|i am not (?:very |always )?(?:good|great|comfortable|confident)|i have a habit"
    r"|(?:is|was) (?:hard|difficult) for me)\b",
    re.IGNORECASE)
_GOALS = re.compile(
    r"\b(?:in (?:five|5|three|3|a few|the next (?:few|five|5)) years"
    r"|i (?:want|hope|plan|aim|intend|would like) to|i see myself"
    r"|my (?:goal|aim|plan|ambition)|long[- ]term|by then|in the future)\b",
    re.IGNORECASE)
_DOES = re.compile(
    r"\b(?:builds?|makes?|provides?|sells?|offers?|develops?|runs?|serves?|operates?|designs?"
    r"|manufactures?|helps?|specialis\w+|speciali[sz]\w+|known for|products?|platform|customers|clients"
    r"|services|software|apps?|launched|markets?|users)\b",
    re.IGNORECASE)
_IS_A = re.compile(r"\b(?:is|are) (?:a|an|one of|the)\b", re.IGNORECASE)
_GENERIC = re.compile(
    r"\b(?:(?:good|great|reputed|reputable|big|famous|well[- ]known|leading|top|best|nice) "
    r"(?:company|organi[sz]ation|brand|place|name|environment|culture|work culture)"
    r"|work[- ]life balance|growth opportunit\w+|learning opportunit\w+|good (?:salary|package|exposure)"
    r"|everyone knows|(?:it|you) (?:is|are) (?:very )?(?:famous|popular|big))\b",
    re.IGNORECASE)
# After "I" (and an optional modal or adverb), verbs that say what the speaker does: present and
# conditional actions too, since HR questions ("how do you handle ...") are answered that way.
_MODALS = frozenset({"would", "will", "'d", "'ll", "always", "usually", "first", "then", "also", "now",
                     "quickly", "immediately", "try", "tried"})
_ACTION_VERBS_TEXT = """
    ask break build call check clarify collect compare contact create decide delegate design discuss
    document draft explain find fix focus follow gather help improve keep lead list listen make meet
    note offer organise organize plan practise practice prepare present prioritise prioritize propose
    raise reach read review run schedule set share show solve speak split start suggest support take
    talk test track train update use verify write work
"""
_ACTION_VERBS = frozenset(_ACTION_VERBS_TEXT.split())


def _match_spans(pattern: re.Pattern[str], text: TextView, note: str, credit: float = 1.0) -> list[Found]:
    """Each sentence holding a match of ``pattern``, once."""
    found: dict[int, Found] = {}
    for match in pattern.finditer(text.text):
        index = text.sentence_at(match.start())
        sentence = text.sentences[index]
        found.setdefault(index, Found(sentence.start, sentence.end, credit, f"{note}: '{match.group(0)}'"))
    return list(found.values())


def _sentence_found(sentence: Sentence, credit: float, note: str) -> Found:
    return Found(sentence.start, sentence.end, credit, note)


# -- Detectors ---------------------------------------------------------------------------


def own_actions(sentence: Sentence) -> list[tuple[Word, Word]]:
    """("I", verb) pairs where the speaker says what they do or did: the past-tense actions
    the structure evaluator reads ("I fixed"), plus present and conditional ones ("I would
    call", "I first list", "I prioritise")."""
    pairs = list(i_actions(sentence))
    words = sentence.words
    for i, word in enumerate(words):
        if word.text != "I" or any(pair[0] is word for pair in pairs):
            continue
        for verb in words[i + 1:i + 4]:
            if verb.lower in _MODALS:
                continue
            if verb.lemma in _ACTION_VERBS or verb.lower in _ACTION_VERBS:
                pairs.append((word, verb))
            break
    return pairs


def _situation(text: TextView, facts: Facts) -> list[Found]:
    parts = star_parts(text)
    found = [_sentence_found(text.sentences[i], 1.0, "sets the scene") for i in parts["situation"]]
    found += [_sentence_found(text.sentences[i], 1.0, "says what was at stake") for i in parts["task"]]
    if not parts["situation"] or not parts["task"]:
        found = [Found(f.start, f.end, 0.8, f.note) for f in found]
    return found


def _own_action(text: TextView, facts: Facts) -> list[Found]:
    found = []
    for sentence in text.sentences:
        pairs = own_actions(sentence)
        if pairs:
            verbs = ", ".join(f"I {verb.text}" for _, verb in pairs[:2])
            found.append(_sentence_found(sentence, 1.0, f"says what you did: '{verbs}'"))
    if len(found) == 1:
        found = [Found(f.start, f.end, 0.6, f.note) for f in found]
    return found


def _result(text: TextView, facts: Facts) -> list[Found]:
    """The STAR result sentences the structure evaluator finds, and any sentence that reports
    an outcome ("marks rose", "the client renewed"); full credit when it is measured."""
    found = []
    outcomes = {i for i, s in enumerate(text.sentences) if _OUTCOME.search(s.text)}
    for index in sorted(set(star_parts(text)["result"]) | outcomes):
        sentence = text.sentences[index]
        if _LEARNING.search(sentence.text) and not _OUTCOME.search(sentence.text):
            continue  # a lesson is the learning criterion, not an outcome
        measures = [m.group(0) for m in _MEASURE.finditer(sentence.text)]
        found.append(_sentence_found(sentence, 1.0 if measures else 0.75,
                                     f"a measured result: {', '.join(measures[:3])}" if measures
                                     else "an outcome, not measured"))
    return found


def _learning(text: TextView, facts: Facts) -> list[Found]:
    return _match_spans(_LEARNING, text, "what you learnt")


def _role(text: TextView, facts: Facts) -> list[Found]:
    found = _match_spans(_ROLE, text, "links it to the role")
    if facts.company:
        found += _match_spans(_company_pattern(facts.company), text, "names the company")
    return found


def _background(text: TextView, facts: Facts) -> list[Found]:
    return _match_spans(_BACKGROUND, text, "your studies or experience")


def _motivation(text: TextView, facts: Facts) -> list[Found]:
    return [f for f in _match_spans(_MOTIVATION, text, "a reason of your own")
            if re.search(r"\b(?:I|my|me)\b", text.text[f.start:f.end])]


def _example(text: TextView, facts: Facts) -> list[Found]:
    found = {s.start: _sentence_found(s, 1.0, "a specific time you did it") for s in text.sentences
             if i_actions(s)}
    for cue in _match_spans(_EXAMPLE, text, "an example"):
        found.setdefault(cue.start, Found(cue.start, cue.end, 0.7, cue.note))
    return list(found.values())


def _self_awareness(text: TextView, facts: Facts) -> list[Found]:
    return _match_spans(_SELF_AWARE, text, "names a real trait of your own")


def _goals(text: TextView, facts: Facts) -> list[Found]:
    return _match_spans(_GOALS, text, "a goal of your own")


def _company_pattern(company: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(company.strip())}(?!\w)", re.IGNORECASE)


def _company_knowledge(text: TextView, facts: Facts) -> list[Found]:
    """Sentences that say what the company does; full credit when they also name it."""
    named = _company_pattern(facts.company) if facts.company else None
    found = []
    for sentence in text.sentences:
        does = _DOES.search(sentence.text)
        if named and named.search(sentence.text) and (does or _IS_A.search(sentence.text)):
            found.append(_sentence_found(sentence, 1.0, f"says what {facts.company} does"))
        elif does and re.search(r"\b(?:you|your|the company|it|they|their)\b", sentence.text, re.IGNORECASE):
            found.append(_sentence_found(sentence, 0.6, "says what the company does"))
    return found


def _specific(text: TextView, facts: Facts) -> list[Found]:
    """Names, numbers and products rather than praise that fits any employer."""
    found = []
    named = _company_pattern(facts.company) if facts.company else None
    for sentence in text.sentences:
        names = [w.text for w in sentence.words[1:] if w.text[:1].isupper() and w.text != "I"]
        if named and named.search(sentence.text):
            names.append(facts.company)
        if _MEASURE.search(sentence.text):
            names.append(_MEASURE.search(sentence.text).group(0))
        if names:
            found.append(_sentence_found(sentence, 1.0, f"specific: {', '.join(dict.fromkeys(names[:3]))}"))
    generic = len(_GENERIC.findall(text.text))
    if generic and found:
        found = [Found(f.start, f.end, max(0.3, 1.0 - 0.25 * generic), f.note) for f in found]
    return found


CRITERIA: dict[str, Criterion] = {c.id: c for c in (
    Criterion("situation", "Situation and stakes stated",
              "Set the scene in a sentence or two: where you were, what had to be achieved and why "
              "it mattered.", _situation),
    Criterion("own_action", "Your own actions, in the first person",
              "Say what you did yourself, in the first person ('I called ...', 'I split ...'), not "
              "only what the team did.", _own_action),
    Criterion("result", "A concrete result, ideally measured",
              "End with the result: what changed because of what you did, with a number if you can "
              "(time saved, a grade, people reached).", _result),
    Criterion("learning", "What you learnt",
              "Say what you learnt from it and what you now do differently.", _learning),
    Criterion("role_relevance", "Relevance to the role",
              "Connect your answer to the role you are applying for: why it matters for this job.",
              _role),
    Criterion("background", "Your studies or experience",
              "Say briefly what you study or have done (degree, year, internship or project).",
              _background),
    Criterion("motivation", "A reason of your own",
              "Give your own reason, in the first person: what draws you to it and why.", _motivation),
    Criterion("example", "A specific example from your experience",
              "Back it up with one specific time you did it: where, what you did, what happened.",
              _example),
    Criterion("self_awareness", "A real trait of your own, honestly named",
              "Name a real trait of your own honestly ('I tend to ...'), not a strength in disguise.",
              _self_awareness),
    Criterion("goals", "Goals of your own",
              "Say what you want to achieve and by when, in your own words.", _goals),
    Criterion("company_knowledge", "Knows what the company does",
              "Say what the company does: its products or services and who its customers are.",
              _company_knowledge),
    Criterion("specific", "Specific, not generic",
              "Be specific: name products, figures or facts instead of praise that fits any employer.",
              _specific),
)}
STAR_CRITERIA = ("situation", "own_action", "result", "learning")
_BY_NAME = {**{c.id: c.id for c in CRITERIA.values()},
            **{c.label.casefold(): c.id for c in CRITERIA.values()},
            **{c.id.replace("_", " "): c.id for c in CRITERIA.values()}}


def criterion_id(item: str) -> str | None:
    """The criterion a rubric line names (its id, label, or id with spaces), or None."""
    return _BY_NAME.get(item.strip().casefold())


def unknown_items(rubric: Sequence[str]) -> list[str]:
    """Rubric lines that name no criterion (refused on HR and behavioural questions)."""
    return [item for item in rubric if criterion_id(item) is None]


def applies(answer: AnswerInput) -> bool:
    """HR and behavioural questions are judged on criteria."""
    return answer.type in CRITERIA_TYPES


def default_criteria(question: str, kind: str) -> tuple[str, ...]:
    """Criteria for a question whose rubric names none (an older HR question)."""
    lower = question.casefold()
    if kind == "behavioural":
        return STAR_CRITERIA
    if "company" in lower:  # "{company}" too
        return ("company_knowledge", "role_relevance", "specific")
    if "yourself" in lower:
        return ("background", "example", "motivation", "role_relevance")
    if "weakness" in lower:
        return ("self_awareness", "own_action", "result")
    if "years" in lower:
        return ("goals", "own_action", "role_relevance")
    return ("own_action", "example", "role_relevance")


def criteria_of(answer: AnswerInput) -> tuple[str, ...]:
    named = tuple(dict.fromkeys(filter(None, (criterion_id(item) for item in answer.rubric))))
    return named or default_criteria(answer.question, answer.type)


# -- Scoring -----------------------------------------------------------------------------


def _topic(text: TextView, answer: AnswerInput, nlp: Any, doc: Any) -> tuple[float, list[str]]:
    """How clearly the answer is about the theme asked (conflict, failure, deadlines): the
    question's own words and keywords it uses, the asking words ("tell", "time") left out.
    An answer using none of them is about something else. A question that names no theme of
    its own ("Tell me about yourself") has no off-topic gate: its keywords are hints of what a
    good answer may mention (degree, project), not the only subjects it may be about; its
    criteria judge it. No story details are involved."""
    question = answer.question.replace(COMPANY_PLACEHOLDER, answer.company)
    if not any(t.lemma not in _ASKING_WORDS for t in terms(nlp(question))):
        return 1.0, []
    source = terms(nlp(" ".join((question, *answer.keywords))))
    theme = {t.lemma: t for t in source if t.lemma not in _ASKING_WORDS}
    index = TermIndex(terms(doc))
    words = []
    for term in theme.values():
        _quality, hits = index.find(term.lemma, term.stem)
        if hits:
            words.append(text.text[hits[0].start:hits[0].end])
    return min(1.0, len(words) / THEME_WORDS_FOR_FULL), words


def _length(words: int, low: int, high: int) -> float:
    """A factor on the criteria met: an answer well below the expected length cannot develop
    them (the square root of its share of the minimum), a rambling one loses a little."""
    if words < low:
        return (words / low) ** 0.5
    if words > high:
        return max(0.7, high / words)
    return 1.0


def _judge(criterion: Criterion, text: TextView, facts: Facts) -> dict[str, Any]:
    found = criterion.detect(text, facts)
    credit = max((f.credit for f in found), default=0.0)
    spans = sorted({(f.start, f.end): f for f in found}.values(), key=lambda f: f.start)
    first = spans[0] if spans else None
    return {
        "point": criterion.label, "criterion": criterion.id, "score": round(credit, 3),
        "covered": credit >= 0.5,
        "span": [first.start, first.end] if first else None,
        "spans": [{"span": [f.start, f.end], "text": text.text[f.start:f.end], "why": f.note} for f in spans],
    }


def score_criteria(answer: AnswerInput, context: ScoringContext) -> DimensionScore:
    """The content score of an HR or behavioural answer: the criteria its text meets."""
    text = view(context.doc)
    words = text.word_count
    low, high = answer.expected_words or EXPECTED_WORDS.get(answer.type, EXPECTED_WORDS["hr"])
    facts = Facts(answer.company.strip())
    judged = [_judge(CRITERIA[c], text, facts) for c in criteria_of(answer)] if words else []
    met = sum(j["score"] for j in judged) / len(judged) if judged else 0.0
    on_topic, topic_words = _topic(text, answer, context.nlp, context.doc) if words else (0.0, [])
    topic_factor = OFF_TOPIC_FLOOR + (1 - OFF_TOPIC_FLOOR) * on_topic
    length = _length(words, low, high)
    score = 0.0 if not words else 100 * topic_factor * met * length
    evidence: dict[str, Any] = {
        "points_source": "criteria",
        "points_covered": [j for j in judged if j["covered"]],
        "points_missed": [j for j in judged if not j["covered"]],
        "topic": {"value": round(on_topic, 3), "words": topic_words},
        "word_count": words, "expected_words": [low, high],
        "components": {"criteria": round(100 * met, 1), "topic": round(100 * topic_factor, 1),
                       "length": round(100 * length, 1)},
    }
    if answer.reference_answers:
        evidence["example_answer"] = answer.reference_answers[0]
    return DimensionScore(NAME, round(score, 1), evidence, _advice(judged, words, low, high, on_topic),
                          plugin=NAME)


def _advice(judged: Sequence[dict[str, Any]], words: int, low: int, high: int,
            on_topic: float) -> tuple[str, ...]:
    if not words:
        return ("You did not give an answer. Even a short one in your own words earns credit.",)
    out = []
    if on_topic < 1.0:
        out.append("Answer the question that was asked: say plainly which situation or topic of "
                   "the question your answer is about.")
    out += [CRITERIA[j["criterion"]].advice for j in judged if not j["covered"]]
    if words < low:
        out.append(f"Your answer has {words} words; aim for at least {low} so you can cover each point.")
    elif words > high:
        out.append(f"Your answer has {words} words; keep it under about {high} by cutting repetition.")
    return tuple(out)

"""Trigger phrases for assertion status, ConText-style (Harkema et al. 2009; Chapman's NegEx).

Negation comes from negspacy's maintained ``en_clinical`` termset; the other statuses are lists
in the spirit of ConText's lexicon. Each trigger has a direction: ``forward`` (its scope runs
to the end of the sentence or the next terminating phrase), ``backward`` (to the start of the
sentence) or ``both``. ``pseudo`` phrases only block the shorter triggers inside them
("no change", "not ruled out"); ``terminate`` phrases end a scope ("but", "however").
"""

from __future__ import annotations

from collections.abc import Iterator

STATUSES = ("present", "absent", "possible", "hypothetical", "historical", "family")
# When several triggers reach one chunk the first status here wins: "family history of
# diabetes" is family, "no history of diabetes" is absent.
PRECEDENCE = ("family", "absent", "hypothetical", "possible", "historical")

# negspacy counts these as negations; in ConText (and for annotators) they mean "to be ruled
# out", i.e. possible.
_NOT_NEGATION = {"rule out", "rules out", "rule him out", "rule her out", "rule patient out",
                 "rule the patient out", "r/o", "ro", "evaluate for", "versus", "doubt"}

POSSIBLE_FORWARD = [
    "possible", "possibly", "probable", "probably", "likely", "may be", "may have",
    "might be", "might have", "could be", "could have", "suspicious for", "suspected",
    "suspect", "suspicion of", "concern for", "concerning for", "question of", "questionable",
    "rule out", "rules out", "r/o", "evaluate for", "evaluation for", "cannot rule out",
    "cannot exclude", "can not exclude", "not excluded", "differential diagnosis",
    "differential includes", "worrisome for", "consider", "considered", "presumed",
    "presumably", "apparent", "apparently", "equivocal", "doubt", "versus", "vs",
    "borderline", "uncertain", "unclear if", "unclear whether",
]
POSSIBLE_BACKWARD = [
    "is possible", "is likely", "is probable", "is suspected", "was suspected", "is questioned",
    "cannot be excluded", "cannot be ruled out", "can not be ruled out", "not excluded",
    "is not excluded", "not ruled out", "not been ruled out", "is a possibility", "?",
]
HYPOTHETICAL_FORWARD = [
    "if", "in case of", "in case", "should he", "should she", "should the patient",
    "should there be", "return if", "call if", "come back if", "as needed for", "prn",
    "in the event of", "watch for", "monitor for", "monitored for", "look out for",
    "at risk for", "at risk of", "risk of", "to prevent", "prevention of", "prophylaxis for",
    "instructed to report", "if you experience", "if you get", "if she develops",
    "if he develops", "screening for", "test for", "tested for", "to check for",
]
HYPOTHETICAL_BACKWARD = ["if needed", "if necessary", "as needed", "prn"]
HISTORICAL_FORWARD = [
    "history of", "h/o", "hx of", "hx", "past medical history", "past medical history of",
    "pmh", "pmhx", "past history of", "previous", "previously", "prior", "prior history of",
    "status post", "s/p", "remote history of", "childhood", "in the past", "former",
    "resolved",
]
HISTORICAL_BACKWARD = [
    "in the past", "years ago", "months ago", "weeks ago", "previously", "in childhood",
    "as a child", "resolved", "in remission", "has resolved",
]
FAMILY_BOTH = [
    "family history", "family history of", "family hx", "fhx", "fh", "fh of",
    "mother", "father", "sister", "brother", "aunt", "uncle", "grandmother", "grandfather",
    "grandparent", "grandparents", "maternal", "paternal", "mom", "dad", "son", "daughter",
    "cousin", "sibling", "siblings", "parent", "parents", "niece", "nephew",
    "family member", "family members", "relative", "relatives",
]
TERMINATE_EXTRA = ["; ", ";", "whereas", "while", "presents with", "presented with",
                   "complains of", "reports", "now", "currently"]
PSEUDO_EXTRA = ["no further", "not only", "no longer", "gram negative", "without difficulty",
                "history and physical", "h&p", "poor history", "history taking",
                "if any", "not certain", "question answered"]


def negation_terms() -> tuple[list[str], list[str], list[str], list[str]]:
    """(preceding, following, pseudo, termination) negation phrases from negspacy's termset."""
    from negspacy.termsets import termset

    patterns = termset("en_clinical").get_patterns()
    preceding = [p for p in patterns["preceding_negations"] if p not in _NOT_NEGATION]
    following = [p for p in patterns["following_negations"] if p not in _NOT_NEGATION]
    return preceding, following, patterns["pseudo_negations"], patterns["termination"]


def all_triggers() -> Iterator[tuple[str, str, str]]:
    """Every (phrase, category, direction); category is a status, 'pseudo' or 'terminate'."""
    preceding, following, pseudo, termination = negation_terms()
    groups = [
        (preceding, "absent", "forward"), (following, "absent", "backward"),
        (POSSIBLE_FORWARD, "possible", "forward"), (POSSIBLE_BACKWARD, "possible", "backward"),
        (HYPOTHETICAL_FORWARD, "hypothetical", "forward"),
        (HYPOTHETICAL_BACKWARD, "hypothetical", "backward"),
        (HISTORICAL_FORWARD, "historical", "forward"),
        (HISTORICAL_BACKWARD, "historical", "backward"),
        (FAMILY_BOTH, "family", "both"),
        (pseudo + PSEUDO_EXTRA, "pseudo", "none"), (termination + TERMINATE_EXTRA, "terminate", "none"),
    ]
    for phrases, category, direction in groups:
        for phrase in phrases:
            yield phrase, category, direction

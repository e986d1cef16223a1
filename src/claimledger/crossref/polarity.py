"""Propositions with polarity: what a statement says, in positive form, and which side it takes.

A cluster gathers every statement about one question; each statement takes a side towards the
cluster's *proposition*, written in positive form ("the boat was carrying drugs"), never towards a
representative sentence that may itself be a denial. :func:`read` takes a claim as the ledger
stored it (the content of an attribution, or a sentence in the article's own voice), the
attribution's cue and the ledger's certainty, and returns

* ``proposition``: the claim with its framing removed -- "no confirmed evidence that X", "the
  claim that X is false", "it is unclear whether X" give X -- and a main-clause negation undone
  ("there were no drugs on the boat" -> "there were drugs on the boat"; "did not fail" -> "did
  fail"). Clustering embeds this form, so a denial joins the cluster of what it denies instead of
  founding one of its own;
* ``polarity``: ``supports`` (asserts it), ``refutes`` (denies it: a negation in the statement's
  own main clause, a denial frame, or a cue such as *denied*, *rejected*, *dismissed* -- two of
  them cancel), ``questions`` (a doubt frame or cue, "no evidence that", "remains unproven",
  "could not be verified", or the ledger's *questioned* certainty) or ``reports`` (the article's
  own voice relaying with an evidential hedge, "reportedly", "allegedly");
* ``framed``: whether anything was removed (a cluster prefers an unframed wording as its
  proposition).

The rules are deliberately about scope: a negation inside a subordinate clause ("officials who
did not give their names said ...") does not flip the statement, "no more than 5" and "no doubt"
are not negations, and numbers are kept as written so that "80%" never joins "5%".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

POLARITIES = ("supports", "refutes", "questions", "reports")

DENY_CUES = frozenset(
    "deny dismiss reject dispute refute rebut contest deride debunk disavow contradict "
    "disprove repudiate".split()
)
DOUBT_CUES = frozenset("question doubt challenge query wonder scrutinize".split())
# words a cue phrase may be inflected to (the stored cue is the text: "denied", "has rejected")
_DENY_WORD = re.compile(
    r"\b(?:den(?:y|ies|ied|ying|ial)|dismiss\w*|reject\w*|disput\w*|refut\w*|rebut\w*|"
    r"contest(?:s|ed|ing)?|debunk\w*|disavow\w*|contradict\w*|disprov\w*|repudiat\w*|"
    r"called? (?:it |this |that |the \w+ )?(?:a )?(?:lie|false|fake|fabricat\w*|nonsense|baseless))\b",
    re.I)
_DOUBT_WORD = re.compile(
    r"\b(?:question(?:s|ed|ing)?|doubt(?:s|ed|ing)?|cast(?:s|ing)? doubt|challeng\w*|"
    r"sceptic\w*|skeptic\w*|unable to (?:independently )?(?:confirm|verify|establish)|"
    r"(?:could|can|did|has|have|had|was|were)(?: not|n't) (?:be )?(?:yet )?(?:independently )?"
    r"(?:confirm|verify|establish|substantiate)\w*|cannot (?:independently )?(?:confirm|verify))\b",
    re.I)
# "could not independently verify the group's results", "Neither figure has been independently
# confirmed": whatever the object, the statement doubts it, it does not deny it
_UNVERIFIED = re.compile(
    r"\b(?:(?:could|can|did|does|do|has|have|had|was|were|is|are)(?: not|n't)|cannot|never|neither"
    r"(?: \w+){1,3}? (?:has|have|had|was|were|is|are|could|can)|unable to)\s+(?:yet\s+)?"
    r"(?:be(?:en)?\s+)?(?:able to\s+)?(?:independently\s+|immediately\s+|yet\s+)?"
    r"(?:verif(?:y|ied)|confirm(?:ed)?|establish(?:ed)?|substantiat(?:e|ed)|corroborat(?:e|ed))\b",
    re.I)

_LEAD = re.compile(
    r"^\W*(?:(?:(?i:and)\s+)?(?i:said|says|repeated|repeats|added|adds|insisted|insists|argued|argues|"
    r"claimed|claims|maintained|maintains|stressed|noted|warned|told \w+)\s+)?"
    r"(?:that|(?i:whether|if))\s+")  # a capital "That" opens a sentence: "That figure is a lie"
_EVIDENCE = r"(?:evidence|proof|sign|signs|indication|indications|trace|traces|confirmation)"
# "no (confirmed) evidence that X", "has seen no proof that X", "found no sign of X"
_NO_EVIDENCE = re.compile(
    rf"^(?:.{{0,60}}?\b)?(?:no|little|scant|not (?:any|a shred of|seen any|found any)|"
    rf"lack of|without (?:any )?)\s+(?:\w+\s+){{0,2}}?{_EVIDENCE}\s+"
    rf"(?:to (?:suggest|show|support|back (?:up )?)(?:\s+(?:the|any) (?:claims?|assertions?|"
    rf"suggestions?))?\s+(?:that\s+)?|(?:that|of|for)\s+)(?P<p>.+)$",
    re.I)
# "There is no confirmed evidence so far linking the plant to ...": a doubt whatever follows
_NO_EVIDENCE_ANY = re.compile(
    rf"\b(?:no|little|scant|not any|lack of|without any)\s+(?:\w+\s+){{0,2}}?{_EVIDENCE}\b", re.I)
# "could not show whether the solvent came from the plant": what cannot be told is doubted
_CANNOT_TELL = re.compile(
    r"\b(?:could|can|did|does|do|has|have|had)(?: not|n't)\s+(?:yet\s+)?(?:show|prove|determine|"
    r"say|tell|explain|establish|shown|proved|proven|determined|said|told|explained|established)\s+"
    r"(?:whether|where|who|how|why|if)\b|\bcannot\s+(?:show|prove|determine|say|tell)\s+"
    r"(?:whether|where|who|how|why|if)\b", re.I)
_UNCLEAR = re.compile(
    r"^(?:it (?:is|was|remains|remained) (?:still )?(?:not (?:yet )?(?:clear|known|certain|"
    r"established)|unclear|unknown|uncertain|unproven)|nobody knows|no one knows|"
    r"(?:it )?(?:could|can|has|have) (?:not|n't) (?:yet )?(?:be(?:en)? )?(?:independently )?"
    r"(?:verified|confirmed|established))\s+(?:whether|that|if|how|why)\s+(?P<p>.+)$",
    re.I)
_CANNOT_VERIFY = re.compile(
    r"^(?:.{0,60}?\b)?(?:could|can|was|were|has|have|had|is|are)\s*(?:not|n't)\s+(?:yet\s+)?"
    r"(?:be(?:en)?\s+)?(?:able to\s+)?(?:independently\s+)?(?:verify|verified|confirm|confirmed|"
    r"establish|established|substantiate|substantiated)\s+(?:whether|that|if|claims? that|"
    r"reports? that)\s+(?P<p>.+)$",
    re.I)
_UNPROVEN_TAIL = re.compile(
    r"^(?:the (?:claim|allegation|assertion|suggestion|report|story|idea)s? that\s+)?(?P<p>.+)"
    r",?\s+(?:remains?|remained|is|was|are|were|has not been|have not been|had not been|"
    r"could not be|cannot be|can't be|couldn't be)\s+"
    r"(?:still\s+|so far\s+|as yet\s+|independently\s+)?(?:verified|confirmed|unproven|unconfirmed|unverified|unsubstantiated|"
    r"unclear|in doubt|disputed|contested|not (?:yet )?(?:proven|confirmed|verified|established))"
    r"\b.*$",
    re.I)
_FALSE_TAIL = re.compile(
    r"^(?:the (?:claim|allegation|assertion|suggestion|report|story|idea|accusation)s?\s+"
    r"(?:that|about)\s+)?(?P<p>.+),?\s+(?:is|was|are|were)\s+(?:(?:a|an|simply|completely|"
    r"totally|utterly|entirely|pure|just|an outright|a complete|a total)\s+){0,2}"
    r"(?:lie|lies|false|untrue|fake|fabricated|fabrication|invention|nonsense|baseless|"
    r"groundless|wrong|propaganda|fiction|a hoax|hoax)\b.*$",
    re.I)
_FAILED_CLAIM = re.compile(
    r"^(?:.{0,60}?\b)?(?:claims?|insistence|assertions?|allegations?|story|account|version|"
    r"suggestions?|narrative|idea|accusations?)\s+that\s+(?P<p>.+),?\s+(?:(?:is|was|are|were|has|"
    r"had|have)\s+(?:(?:now|since|simply|completely|been|a|an|pure|just)\s+){0,3}|"
    r"(?=collapsed|fell apart|crumbled|unravell?ed))"
    r"(?:collapsed|fallen apart|fell apart|crumbled|unravell?ed|debunked|disproved|disproven|"
    r"discredited|refuted|lie|lies|false|untrue|fake|fabricated|fabrication|invention|nonsense|"
    r"baseless|groundless|wrong|propaganda|fiction|hoax)\b.*$",
    re.I)
_FALSE_LEAD = re.compile(
    r"^(?:it is|it was|it's|that is|this is)\s+(?:simply\s+|completely\s+)?(?:false|untrue|a lie|"
    r"not true|wrong|nonsense)\s+(?:that|to say that|to claim that)\s+(?P<p>.+)$",
    re.I)
_DENIED_CLAIM = re.compile(
    r"^(?:.{0,60}?\b)?(?:den(?:y|ies|ied)|reject(?:s|ed)?|dismiss(?:es|ed)?|refut(?:es|ed)|"
    r"disput(?:es|ed)|rebut(?:s|ted)?)\s+(?:the\s+|any\s+)?(?:(?:claims?|allegations?|"
    r"assertions?|reports?|suggestions?|accusations?)\s+(?:that|of)\s+|that\s+)(?P<p>.+)$",
    re.I)

# "No evidence of such payments has been made public": the predicate is the evidence's
_EVIDENCE_PREDICATE = re.compile(
    r"^(?P<np>.+?)\s+(?:has|have|had|was|were|is|are)\s+(?:yet\s+)?(?:been\s+)?(?:made public|"
    r"found|presented|produced|offered|provided|shown|given|published|released|put forward|seen)"
    r"\b.*$", re.I)

_REPORTED = re.compile(
    r"\b(?:reportedly|allegedly|purportedly|supposedly|is said to|are said to|was said to|"
    r"were said to|is believed to|are believed to|was believed to|were believed to|"
    r"according to (?:reports|unconfirmed reports|some accounts))\b", re.I)

# a negation of the main clause: "not", "n't", "never", "no" as a determiner, "none", ...
_NEG = re.compile(
    r"\b(?:not|never|no|none|nothing|nobody|neither|nor)\b|n't\b|\bcannot\b", re.I)
# not negations: "no more than 5", "not only", "no doubt", "not least", "no longer than"
_NOT_NEG = re.compile(
    r"\b(?:no (?:more|less|fewer|later|earlier|sooner|longer|doubt|matter)|not (?:only|just|least|"
    r"merely|until|yet clear)|nothing but|none other than|never before)\b", re.I)
# where the main clause ends: a subordinate or relative clause, a quote of someone else
_SUBORDINATE = re.compile(
    r"\b(?:that|which|who|whom|whose|because|although|though|while|whereas|after|before|when|"
    r"unless|until|if|since|so that|but)\b|,(?!\d)|[.!?;]\s", re.I)
# "concerned by reports that X", "accounts that X": the statement relays X
_RELAYS = re.compile(
    r"\b(?:reports?|accounts?|allegations?|claims?|rumou?rs?|suggestions?)\s+(?:that|of)\b", re.I)
_UNDO = (
    (re.compile(r"\bcannot\b", re.I), "can"),
    (re.compile(r"\bcan't\b", re.I), "can"),
    (re.compile(r"\bwon't\b", re.I), "will"),
    (re.compile(r"\bshan't\b", re.I), "shall"),
    (re.compile(r"\b(\w+)n't(?:\s+yet)?\b", re.I), r"\1"),
    (re.compile(r"\b(?:not|never)\s+(?:yet\s+|ever\s+)?", re.I), ""),
    (re.compile(r"\bnobody\b", re.I), "somebody"),
    (re.compile(r"\bno one\b", re.I), "someone"),
    (re.compile(r"\bnothing\b", re.I), "something"),
    (re.compile(r"\bnone of\b", re.I), "some of"),
    (re.compile(r"\bnone\b", re.I), "some"),
    (re.compile(r"\bneither\b", re.I), "either"),
    (re.compile(r"\bnor\b", re.I), "or"),
    (re.compile(r"\bno\s+", re.I), ""),
)


_ANAPHOR = re.compile(
    r"^(?:\W*(?:and|but)\s+)?(?:.{0,40}?\b)?(?:that|this|the|these|those|such|its|their|his|her)\s+"
    r"(?:\w+\s+)?(?:claims?|figures?|story|stories|accounts?|allegations?|reports?|accusations?|"
    r"numbers?|estimates?|versions?|charges?|suggestions?|assertions?)\b(?!\s+that\b)", re.I)


@dataclass(frozen=True)
class Reading:
    proposition: str
    polarity: str
    framed: bool
    cue: str | None = None  # what decided the polarity, for the reader ("denied", "no evidence that")
    # the statement names no proposition of its own but points back at one ("That figure is a
    # lie", "called the claim an invention"): it is about the claim stated just before it
    anaphoric: bool = False


# a content that starts with its own speech verb ("said the stone-throwing had been started by
# ..."): the verb belongs to the attribution, the clause after it is the statement (cut from the
# proposition as shown; the words matched and embedded keep it)
_LEAD_VERB = re.compile(
    r"^(?:(?i:and)\s+)?(?i:said|says|added|adds|insisted|insists|argued|argues|maintained|"
    r"maintains)\s+(?=\S+\s+\S+\s+\S+)")


def _clean(text: str) -> str:
    t = " ".join(text.split()).strip(" \t\"'\u201c\u201d\u2018\u2019")
    t = _LEAD.sub("", t)
    return t.rstrip(" .;:,!\u201d\"'\u2019")


def _main_clause(text: str) -> str:
    m = next((m for m in _SUBORDINATE.finditer(text) if m.start() > 0), None)
    return text[: m.start()] if m else text


def negated(text: str) -> bool:
    """Whether the main clause of ``text`` is negated (an odd number of negations before its first
    subordinate clause; "no more than", "not only" and the like are not negations)."""
    main = _NOT_NEG.sub(" ", _main_clause(text))
    return len(_NEG.findall(main)) % 2 == 1


def positive(text: str) -> str:
    """``text`` with the negation of its main clause undone ("there were no drugs" -> "there were
    drugs", "did not fail" -> "did fail"); the rest as written."""
    main = _main_clause(text)
    rest = text[len(main):]
    out = main
    for pat, rep in _UNDO:
        guarded = _NOT_NEG.sub(lambda m: m.group(0).replace(" ", "\0"), out)
        out = pat.sub(rep, guarded).replace("\0", " ")
    return " ".join((out + rest).split())


def _unframe(text: str) -> tuple[str, str | None, str | None]:
    """``(proposition, polarity of the frame, the frame's words)``, or ``(text, None, None)``."""
    for pat, pol, name in ((_NO_EVIDENCE, "questions", "no evidence that"),
                           (_UNCLEAR, "questions", "unclear whether"),
                           (_CANNOT_VERIFY, "questions", "could not be verified"),
                           (_FALSE_LEAD, "refutes", "it is false that"),
                           (_FAILED_CLAIM, "refutes", "the claim that ... is false"),
                           (_DENIED_CLAIM, "refutes", "denied that"),
                           (_UNPROVEN_TAIL, "questions", "remains unproven"),
                           (_FALSE_TAIL, "refutes", "is false")):
        m = pat.match(text)
        if m:
            p = m.group("p")
            if pat is _NO_EVIDENCE:
                p = _EVIDENCE_PREDICATE.sub(r"\g<np>", p)
            p = re.sub(r"\s+(?:had|has|have|is|was|are|were|been|now)$", "", _clean(p))
            # "the video could not be verified": the doubt is clear, the proposition too short to
            # stand alone, so the statement keeps its words
            return (p if len(p.split()) >= 3 else text), pol, name
    return text, None, None


def cue_polarity(cue: str | None) -> str | None:
    """``refutes`` for a denying cue ("denied", "rejected", "called it a lie"), ``questions`` for a
    doubting one ("questioned", "doubts"), else None (a cue that reports or asserts)."""
    if not cue:
        return None
    if _DENY_WORD.search(cue):
        return "refutes"
    if _DOUBT_WORD.search(cue):
        return "questions"
    return None


def read(text: str, cue: str | None = None, certainty: str | None = None, *,
         own_voice: bool = False) -> Reading:
    """The proposition ``text`` states and its polarity towards it (module docstring)."""
    r = _read(text, cue, certainty, own_voice)
    t = _clean(text)
    if len(_main_clause(t).split()) <= 8 and _ANAPHOR.match(t) and (r.framed or cue_polarity(cue)):
        return Reading(r.proposition, r.polarity, r.framed, r.cue, anaphoric=True)
    return r


def _read(text: str, cue: str | None, certainty: str | None, own_voice: bool) -> Reading:
    t = _clean(text)
    if not t:
        return Reading(text, "reports" if own_voice else "supports", False)
    prop, frame_pol, frame = _unframe(t)
    if frame is None:
        main = _main_clause(t)
        for pat in (_UNVERIFIED, _NO_EVIDENCE_ANY, _CANNOT_TELL):
            m = pat.search(main)
            if m:
                rest = _clean(t[m.end():]) if pat is _CANNOT_TELL else ""
                # "could not show whether X": the proposition is X
                return Reading(rest if len(rest.split()) >= 3 else t, "questions", True,
                               m.group(0).lower())
    framed = frame is not None
    # a frame that kept the whole statement ("the video could not be verified") has read its
    # negation already
    neg = False if (framed and prop == t) else negated(prop)
    if neg:
        prop = positive(prop)
        framed = True
    by_cue = cue_polarity(cue)
    if frame_pol == "questions" or by_cue == "questions":
        return Reading(prop, "questions", framed, frame or cue)
    sign = -1 if neg else 1
    if frame_pol == "refutes":
        sign = -sign
    if by_cue == "refutes":
        sign = -sign
    decided = frame or (cue if by_cue else None) or ("not" if neg else None)
    if sign < 0:
        return Reading(prop, "refutes", framed, decided)
    if certainty == "questioned":
        return Reading(prop, "questions", framed, decided or "questioned")
    relay = _REPORTED.search(t) or _RELAYS.search(_main_clause(t) + " that")
    if relay and by_cue is None:
        return Reading(prop, "reports", framed, " ".join(relay.group(0).lower().split()))
    return Reading(prop, "supports", framed, decided)


_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019]?\s+(?=[\"'\u201c\u2018]?[A-Z])")


def first_sentence(text: str) -> str:
    """The first sentence of a statement quoting several: the one its polarity is read from (the
    main clause), so the one to match against a proposition."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def flip(polarity: str) -> str:
    """The polarity towards the negation of the proposition."""
    return {"supports": "refutes", "refutes": "supports"}.get(polarity, polarity)


def canonical(text: str) -> str:
    """A proposition as a sentence: capitalised, ending with a full stop; a quotation keeps only
    its first sentence and loses its attribution ("“We found it first,” Celis said" -> "We found
    it first.")."""
    t = text.strip()
    close = t.find("\u201d")
    if close > 0 and "\u201c" not in t[1:close] and t[close + 1:].strip():
        t = t[:close]  # a quotation (its opening mark cut off or not) and then its attribution
    t = re.split(r"(?<=[.!?])\s+(?=[A-Z\u201c\"])", t.strip(), maxsplit=1)[0]
    t = _LEAD_VERB.sub("", _clean(t.replace("\u201c", "").replace("\u201d", "")))
    if not t:
        return text
    return t[0].upper() + t[1:] + "."


# How well a proposition reads on its own, as the headline of a cluster: a clause with a subject
# of its own ("Water samples contained the solvent") over a fragment that needs its attribution
# ("had been paid by the opposition", "for the plant to be closed"), a third person over a pronoun
# ("it had delayed ..."), the reporter's words over a speaker's first person ("We found this
# solvent ..."), a sentence over a dateline or a run-on.
_FRAGMENT_START = frozenset(
    "had has have was were is are be been being would will could can may might should must did "
    "does do to for of with by from about any anything accounts as and or but if whether than "
    "which who whom whose".split())
_THIRD_PERSON = frozenset("it its they their them he she his her this these those".split())
_FIRST_SECOND = frozenset("we i our ours my us me you your".split())
_DATELINE = re.compile(r"^[A-Z][A-Z .'-]{2,}\s*(?:\([^)]{1,40}\))?\s*[\u2014\u2013-]")


def wording(proposition: str) -> float:
    """A score of how well ``proposition`` stands alone as a sentence (0 best, lower worse)."""
    words = [w.strip(".,;:!?\"'\u201c\u201d\u2018\u2019()").lower() for w in proposition.split()]
    words = [w for w in words if w]
    if not words:
        return -10.0
    score = 0.0
    if words[0] in _FRAGMENT_START:
        score -= 3.0
    elif words[0] in _THIRD_PERSON:
        score -= 1.5
    if any(w in _FIRST_SECOND for w in words):
        score -= 2.0
    if _DATELINE.match(proposition):
        score -= 2.0
    if len(words) < 6:
        score -= 0.5 * (6 - len(words))
    if len(words) > 30:
        score -= (len(words) - 30) / 10
    return score


"""Source families: who speaks for whom, so that support can be judged independent.

A families file has one alias a line, ``family<TAB>alias``: the family is ``kind:Name`` (kind:
government, org, company, party, wire, outlet-group, ...), the alias a lower-case name, title or
phrase that marks a source (or an outlet) as belonging to it. claimledger ships defaults for
widely reported governments and bodies (``families.tsv`` beside this module); a corpus adds its
own with ``--families FILE`` (remembered by the store).

A source's family is the family of the longest alias found, on word boundaries, in its name, role,
affiliation or the words of its mention ("sources within the administration" -> the
administration's family). A statement in an outlet's own voice counts for the outlet's family only
when the outlet is an alias (state media speak for their government). Named sources with no alias
form a family of their own (``person:Name``, ``org:Name``); vague sources ("analysts") and names
with no capital letter after a leading article ("the company", "both governments", "An earlier
version of this article": descriptions) have none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from claimledger.errors import InputError


@dataclass(frozen=True)
class Families:
    aliases: dict[str, str]  # alias -> family
    pattern: re.Pattern[str] | None

    @classmethod
    def from_lines(cls, lines: list[str], origin: str = "<families>") -> Families:
        aliases: dict[str, str] = {}
        for n, line in enumerate(lines, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 2 or ":" not in parts[0] or not parts[1].strip():
                raise InputError(f"{origin}:{n}: expected `kind:Name<TAB>alias`, got {line[:60]!r}")
            aliases[_norm(parts[1])] = parts[0].strip()
        alts = sorted(aliases, key=len, reverse=True)
        pattern = re.compile(r"\b(" + "|".join(re.escape(a) for a in alts) + r")\b") if alts else None
        return cls(aliases, pattern)

    @classmethod
    def load(cls, path: str | None = None) -> Families:
        base = resources.files("claimledger.crossref").joinpath("families.tsv").read_text("utf-8")
        lines = base.splitlines()
        origin = "families.tsv"
        if path:
            from claimledger.reading import open_regular

            try:
                with open_regular(path) as fh:  # a FIFO or device is refused, never read
                    lines += fh.read().decode("utf-8").splitlines()
            except OSError as exc:
                raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
            except UnicodeDecodeError:
                raise InputError(f"cannot read {path}: not UTF-8 text") from None
            origin = path
        return cls.from_lines(lines, origin)

    def match(self, *texts: str | None) -> str | None:
        """The family of the longest alias found in any of ``texts``."""
        if self.pattern is None:
            return None
        best: str | None = None
        for t in texts:
            if not t:
                continue
            for m in self.pattern.finditer(_norm(t)):
                if best is None or len(m.group(1)) > len(best):
                    best = m.group(1)
        return self.aliases[best] if best else None

    def of_source(self, name: str | None, type_: str | None, role: str | None = None,
                  affiliation: str | None = None, mention: str | None = None) -> str | None:
        fam = self.match(name, affiliation, mention, role)
        if fam:
            return fam
        if name and not re.search(r"[A-Z]", re.sub(r"^(?:the|a|an|this|that|these|those)\s+", "",
                                                     name, flags=re.I)):
            # "the company", "both governments", "a patient-safety group": a description, not a
            # name; such a source speaks for no family that can be told apart
            return None
        if type_ == "named_person" and name:
            return f"person:{name}"
        if type_ == "named_organization" and name:
            return f"org:{re.sub(r'^(the|a|an) ', '', name, flags=re.I)}"
        return None

    def of_outlet(self, outlet: str | None) -> str | None:
        """The family an outlet's own voice speaks for: a government's or an organisation's
        (state media, a company's newsletter); an outlet group or wire speaks for no party."""
        fam = self.match(outlet) if outlet else None
        if fam and fam.split(":", 1)[0] in ("outlet-group", "wire", "outlet"):
            return None
        return fam


def _norm(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip()

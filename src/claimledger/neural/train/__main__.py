"""``python -m claimledger.neural.train TASK ...``: train one shipped model (``freeze NAME``: fix
the activation ranges of an exported int8 encoder, :mod:`claimledger.neural.train.freeze`)."""

from __future__ import annotations

import sys

TASKS = ("attribution", "source-types", "acts", "checkworthy", "checkworthy-fast", "certainty",
         "stance", "freeze")


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        print(f"usage: python -m claimledger.neural.train {{{'|'.join(TASKS)}}} [options]",
              file=sys.stderr)
        return 2
    task, rest = sys.argv[1], sys.argv[2:]
    if task == "attribution":
        from claimledger.neural.train.attribution import main as run

        return run(rest)
    if task == "freeze":
        from claimledger.neural.train.freeze import main as run_freeze

        return run_freeze(rest)
    if task == "checkworthy-fast":
        from claimledger.neural.train.lexical import main as run_lexical

        return run_lexical(rest)
    if task in ("checkworthy", "certainty", "stance"):
        from claimledger.neural.train.texts import main as run_texts

        return run_texts(task, rest)
    from claimledger.neural.train.mentions import main as run_mentions

    return run_mentions(task, rest)


if __name__ == "__main__":
    sys.exit(main())

"""The neural room: the WordPiece tokenizer, windows, BIO decoding, the model card check, and the
accurate engine end to end on small hand-written cases."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from claimledger.analyzer import load_nlp
from claimledger.neural.minilm import model_dir
from claimledger.neural import store
from claimledger.neural.decode import runs, transitions, viterbi
from claimledger.neural.features import RELATIONS, cue_relations, token_features
from claimledger.neural.heads import N_DIST, distance_buckets
from claimledger.neural.windows import windows
from claimledger.neural.wordpiece import WordPiece


@pytest.fixture(scope="module")
def wp() -> WordPiece:
    return WordPiece.from_file(model_dir() / "vocab.txt")


def test_wordpiece_is_uncased_and_strips_accents(wp):
    assert wp.ids("Minister") == wp.ids("minister") == (wp.vocab["minister"],)
    assert wp.ids("café") == wp.ids("cafe")
    assert wp.ids(" ") == () and wp.ids("\n\n") == ()
    # a word split into pieces: the first whole, the rest as ##-continuations
    pieces = [tok for tok, i in sorted(wp.vocab.items(), key=lambda kv: kv[1])]
    ids = wp.ids("unaffordability")
    assert len(ids) > 1 and all(pieces[i].startswith("##") for i in ids[1:])
    assert "".join(pieces[i].removeprefix("##") for i in ids) == "unaffordability"
    # punctuation is its own piece
    assert wp.ids("U.N.") == (wp.vocab["u"], wp.vocab["."], wp.vocab["n"], wp.vocab["."])


def test_windows_cover_every_token_once_within_the_length(wp):
    nlp = load_nlp()
    text = ("The minister said the port would reopen. " * 60 + "\n\n" + "word " * 700).strip()
    doc = nlp(text)
    wins = windows(doc, wp)
    seen = np.concatenate([w.tokens for w in wins])
    assert sorted(seen.tolist()) == [t.i for t in doc if wp.ids(t.text)]
    assert all(len(w.ids) <= 256 and w.ids[0] == wp.cls and w.ids[-1] == wp.sep for w in wins)
    for w in wins:  # each token's first wordpiece is where the window says
        for tok, first in zip(w.tokens.tolist(), w.first.tolist()):
            assert w.ids[first] == wp.ids(doc[tok].text)[0]
    # whole sentences go together: no sentence of the first part is cut across windows
    for sent in list(doc.sents)[:50]:
        owners = {k for k, w in enumerate(wins) for t in w.tokens.tolist()
                  if sent.start <= t < sent.end}
        assert len(owners) == 1


def test_viterbi_never_starts_or_continues_an_inside_tag_wrongly():
    tags = ("O", "B-SRC", "I-SRC", "B-CON", "I-CON")
    allowed, start = transitions(tags)
    rng = np.random.default_rng(0)
    for _ in range(200):
        path = viterbi(rng.normal(size=(rng.integers(1, 30), len(tags))), allowed, start)
        assert tags[path[0]][0] != "I"
        for a, b in zip(path[:-1], path[1:]):
            if tags[b].startswith("I"):
                assert tags[a][1:] == tags[b][1:] and tags[a][0] in "BI"


def test_viterbi_finds_the_best_allowed_sequence_by_brute_force():
    import itertools

    rng = np.random.default_rng(7)
    for tags in (["O", "B", "I"], ["O", "B-SRC", "I-SRC", "B-CON", "I-CON"]):
        allowed, start = transitions(tags)
        for _ in range(60):
            n = int(rng.integers(1, 6))
            scores = rng.normal(size=(n, len(tags)))
            legal = [p for p in itertools.product(range(len(tags)), repeat=n)
                     if start[p[0]] and all(allowed[a, b] for a, b in zip(p, p[1:]))]
            best = max(legal, key=lambda p: sum(scores[i, t] for i, t in enumerate(p)))
            assert tuple(viterbi(scores, allowed, start).tolist()) == best


def test_runs():
    assert runs(np.array([0, 1, 2, 2, 0, 1, 1, 2]), 1, 2) == [(1, 3), (5, 5), (6, 7)]
    assert runs(np.array([3, 4, 0, 3]), 3, 4) == [(0, 1), (3, 3)]
    assert runs(np.array([], dtype=np.int64), 1, 2) == []


def test_distance_buckets_are_signed_and_bounded():
    b = distance_buckets(400, 100, 102)
    assert b[100] == b[101] == b[102]
    assert (b[:100] < b[100]).all() and (b[103:] > b[100]).all()
    assert b.min() >= 0 and b.max() < N_DIST


def test_cue_relations_read_the_parse(wp):
    doc = load_nlp()("The minister said the port would reopen on Monday.")
    win = windows(doc, wp)[0]
    said = next(k for k, t in enumerate(win.tokens.tolist()) if doc[t].text == "said")
    rel = [RELATIONS[r] for r in cue_relations(doc, win, said, said)]
    words = [doc[t].text for t in win.tokens.tolist()]
    assert rel[words.index("said")] == "CUE"
    assert rel[words.index("minister")] == "nsubj"
    assert rel[words.index("port")] == rel[words.index("reopen")] == "ccomp"
    feats = token_features(doc, win)
    assert feats.shape == (3, len(win.tokens))


def test_an_altered_model_file_is_a_one_line_error(tmp_path, monkeypatch):
    base = tmp_path / "models"
    shutil.copytree(store.folder("attribution"), base / "attribution")
    monkeypatch.setattr(store, "MODELS", base)
    store.card.cache_clear()
    try:
        assert store.card("attribution")["name"] == "attribution"
        store.card.cache_clear()
        with open(base / "attribution" / "heads.npz", "ab") as fh:
            fh.write(b"x")
        with pytest.raises(store.ModelError, match="heads.npz is missing or altered; rebuild it"):
            store.card("attribution")
        store.card.cache_clear()
        (base / "attribution" / "card.json").write_text(json.dumps({"schema": "x"}))
        with pytest.raises(store.ModelError, match="card has schema 'x'"):
            store.card("attribution")
    finally:
        store.card.cache_clear()


def test_a_window_is_encoded_the_same_whatever_is_encoded_beside_it():
    """A window's token vectors must not depend on the other windows of the document (their
    lengths, their words): the encoder is dynamically quantised, its activation ranges taken
    over what one call holds, so windows batched together were up to 0.53 apart from the same
    windows encoded alone (fails with attribution.BATCH = 8)."""
    from claimledger.neural.attribution import AttributionTagger

    tagger = AttributionTagger.load()
    nlp = load_nlp()
    paragraphs = [
        "The harbour master said the ferry would not sail on Monday because of the storm.",
        "Officials at the ministry, speaking on condition of anonymity, said the contract had been "
        "signed in secret. " * 12,
        "Residents told reporters they had heard nothing from the council for weeks.",
        "According to figures from the port authority, traffic fell by 40 percent in March. " * 6,
    ]
    wins = [w for p in paragraphs for w in windows(nlp(p), tagger.wp)]
    assert len(wins) >= 2
    assert len({len(w.ids) for w in wins}) == len(wins)  # of different lengths: padding differs
    together = tagger.encode(wins)
    for w, t in zip(wins, together):
        (alone,) = tagger.encode([w])
        np.testing.assert_allclose(t, alone, rtol=0, atol=1e-4)

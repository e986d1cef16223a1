"""Tests of the command line on awkward inputs.

Most cases call ``claimledger.cli.main`` in-process (the spaCy model is loaded once per process and
shared); a few run ``python -m claimledger`` as a subprocess where the real exit code and stderr of
a fresh interpreter are the point (bad inputs, usage errors, a very large article).
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import resource
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

import claimledger.schema
from claimledger.cli import main

# --------------------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = claimledger.schema.load()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def run_cli(*args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess[str]:
    """``python -m claimledger ARGS`` in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "claimledger", *args],
        capture_output=True, text=True, timeout=timeout, **kw,
    )


def check_ledger(
    d: dict, validator: jsonschema.Draft202012Validator, text: str | None = None
) -> None:
    """A ledger dict is schema-valid and internally consistent (every span indexes its text)."""
    errors = sorted(validator.iter_errors(d), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    t = d["text"]
    if text is not None:
        assert t == text
    assert d["id"] == hashlib.sha256(t.encode("utf-8")).hexdigest()
    ids = {s["id"] for s in d["sources"]}
    for s in d["sources"]:
        for start, end in s["mentions"]:
            assert 0 <= start < end <= len(t), (s["id"], start, end)
    for a in d["attributions"]:
        assert a["source_id"] is None or a["source_id"] in ids, a["id"]
        for key in ("source", "cue", "content"):
            sp = a[key]
            if sp is None:
                continue
            start, end = sp["span"]
            assert 0 <= start <= end <= len(t), (a["id"], key, start, end)
            assert t[start:end] == sp["text"], (a["id"], key, t[start:end], sp["text"])


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {err!r}"
    assert "Traceback" not in err
    assert lines[0].startswith("claimledger: ")
    return lines[0]


QUOTES_ONLY = "\"“”‘’'" * 40

GERMAN = (
    "Berlin (dpa) - Die Bundesregierung will die Hilfen für Landwirte verlängern. "
    "„Wir lassen niemanden im Stich“, sagte Landwirtschaftsminister Karl Brenner am Montag.\n\n"
    "Der Bauernverband begrüßte die Entscheidung, warnte aber, die Mittel reichten nicht aus. "
    "Nach Angaben des Ministeriums sollen 1,2 Milliarden Euro bereitgestellt werden.\n"
)
SPANISH = (
    "MADRID (EFE) - El Gobierno aprobó este martes una subida del salario mínimo del 4 %. "
    "«Es una medida justa y necesaria», dijo la ministra de Trabajo, Lucía Ferrer.\n\n"
    "La patronal, según fuentes consultadas por esta agencia, considera que la subida "
    "\"pone en riesgo el empleo\" en las pequeñas empresas.\n"
)

GOOD = (
    "Port to reopen next week\n\n"
    "Harbour master Ana Ruiz said on Monday that the port would reopen next week. "
    "\"We are ready,\" she told reporters.\n"
)
GOOD_2 = (
    "Council delays vote\n\n"
    "The city council postponed its budget vote, according to a spokesperson. "
    "\"We need more time,\" said council member Tom Avery.\n"
)

# --------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "data, needle",
    [
        (b"", "empty"),
        (b" \n\t\n  \r\n", "empty"),
        (b"GIF89a\x01\x00\x00\x00\xff\x00binary\x00\x00data", "binary"),
        ("caf\xe9 au lait, said the owner.\n".encode("latin-1"), "UTF-8"),
    ],
    ids=["empty", "whitespace", "binary", "latin1"],
)
def test_bad_file_exits_1_with_one_line(tmp_path: Path, data: bytes, needle: str) -> None:
    f = tmp_path / "article.txt"
    f.write_bytes(data)
    proc = run_cli("analyze", str(f), "--format", "json")
    assert proc.returncode == 1
    line = one_line(proc.stderr)
    assert needle in line
    assert str(f) in line
    assert proc.stdout == ""


def test_missing_file_exits_1(tmp_path: Path) -> None:
    f = tmp_path / "nope.txt"
    proc = run_cli("analyze", str(f))
    assert proc.returncode == 1
    assert "no such file" in one_line(proc.stderr)
    assert proc.stdout == ""


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text(GOOD, encoding="utf-8")
    proc = run_cli("analyze", str(f), "--format", "pdf")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "invalid choice" in proc.stderr and "pdf" in proc.stderr
    assert proc.stdout == ""


def test_bad_inputs_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same errors through ``main``: returned codes, not exceptions."""
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert main(["analyze", str(empty)]) == 1
    assert "empty" in one_line(capsys.readouterr().err)
    assert main(["analyze", str(tmp_path / "missing.txt")]) == 1
    assert "no such file" in one_line(capsys.readouterr().err)
    with pytest.raises(SystemExit) as exc:
        main(["analyze", str(empty), "--format", "pdf"])
    assert exc.value.code == 2


# --------------------------------------------------------------------------------- odd but valid


@pytest.mark.parametrize(
    "text",
    [QUOTES_ONLY, "\n".join(" ".join(QUOTES_ONLY[i:i + 12]) for i in range(0, 240, 12)) + "\n"],
    ids=["packed", "spaced"],
)
def test_only_quote_marks(tmp_path: Path, capsys, validator, text: str) -> None:
    f = tmp_path / "quotes.txt"
    f.write_text(text, encoding="utf-8")
    assert main(["analyze", str(f), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    check_ledger(json.loads(out), validator, text)


@pytest.mark.parametrize("text", [GERMAN, SPANISH], ids=["german", "spanish"])
def test_non_english_article(tmp_path: Path, capsys, validator, text: str) -> None:
    f = tmp_path / "article.txt"
    f.write_text(text, encoding="utf-8")
    assert main(["analyze", str(f), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    d = json.loads(out)
    check_ledger(d, validator, text)
    assert d["meta"]["path"] == str(f)


def test_table_format_runs(tmp_path: Path, capsys) -> None:
    f = tmp_path / "a.txt"
    f.write_text(GOOD, encoding="utf-8")
    assert main(["analyze", str(f), "--width", "100"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.strip()


PAGE = """<!doctype html><html><head><title>Port to reopen on Monday</title>
<meta property="og:site_name" content="Harbour Courier"></head>
<body><nav>Home | News | Sport</nav><script>document.write("<p>injected</p>")</script>
<article><h1>Port to reopen on Monday</h1>
<p>The harbour minister said on Friday that the port would reopen on Monday after repairs to the
main quay were finished ahead of schedule.</p>
<p>Dock workers were less certain. Analysts say the closure cost shipping firms about four
million euros a week.</p></article>
<footer>Copyright Harbour Courier</footer></body></html>
"""


def test_saved_web_page_is_read_for_its_article(tmp_path: Path, capsys, validator) -> None:
    """An .html file is analysed for its article text and metadata, as ingest reads it: no
    markup, script, menu or footer in the ledger."""
    f = tmp_path / "page.html"
    f.write_text(PAGE, encoding="utf-8")
    assert main(["analyze", str(f), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    d = json.loads(out)
    validator.validate(d)
    assert "The harbour minister said on Friday" in d["text"]
    for junk in ("<", "injected", "Home | News", "Copyright"):
        assert junk not in d["text"]
    assert (d["meta"]["title"], d["meta"]["outlet"]) == ("Port to reopen on Monday",
                                                         "Harbour Courier")
    assert {a["source"]["text"] for a in d["attributions"]} >= {"The harbour minister", "Analysts"}


def test_web_page_without_an_article_is_one_line(tmp_path: Path, capsys) -> None:
    f = tmp_path / "index.html"
    f.write_text("<html><head><title>Index</title></head><body><script>var a = 1;</script>"
                 "</body></html>", encoding="utf-8")
    assert main(["analyze", str(f)]) == 1
    assert "no article text found" in one_line(capsys.readouterr().err)


# --------------------------------------------------------------------------------------- many files


def test_directory_jsonl_skips_the_bad_file(tmp_path: Path, capsys, validator) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a_good.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "b_bad.txt").write_bytes(b"\x00\x01\x02binary\x00")
    (corpus / "c_good.txt").write_text(GOOD_2, encoding="utf-8")
    (corpus / "notes.md").write_text("not an article", encoding="utf-8")  # not a .txt: ignored

    code = main(["analyze", str(corpus), "--format", "jsonl"])
    out, err = capsys.readouterr()
    assert code == 1
    line = one_line(err)
    assert "b_bad.txt" in line and "binary" in line
    rows = out.splitlines()
    assert len(rows) == 2
    ledgers = [json.loads(r) for r in rows]
    assert [d["meta"]["path"] for d in ledgers] == [
        str(corpus / "a_good.txt"), str(corpus / "c_good.txt"),
    ]
    check_ledger(ledgers[0], validator, GOOD)
    check_ledger(ledgers[1], validator, GOOD_2)


def test_directory_of_only_bad_files(tmp_path: Path, capsys) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_bytes(b"")
    (corpus / "b.txt").write_bytes(b"\xff\xfe\xfa")
    assert main(["analyze", str(corpus), "--format", "jsonl"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 2 and "Traceback" not in err


def test_out_file_writes_nothing_on_stdout(tmp_path: Path, capsys, validator) -> None:
    f = tmp_path / "a.txt"
    f.write_text(GOOD, encoding="utf-8")
    target = tmp_path / "ledger.json"
    assert main(["analyze", str(f), "--format", "json", "--out", str(target)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == ""
    check_ledger(json.loads(target.read_text(encoding="utf-8")), validator, GOOD)


# --------------------------------------------------------------------------------------- html


HOSTILE = (
    "Hackers post code <script>alert(1)</script> on city website\n\n"
    "The city's IT chief, Mara Quinn, said the page showed \"<img src=x onerror=alert(1)>\" "
    "for about an hour on Sunday.\n\n"
    "\"Someone typed <script>alert(1)</script> into the comment box,\" Quinn told reporters. "
    "According to the city, no data was taken.\n"
)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def test_html_escapes_markup_in_the_article(tmp_path: Path, capsys) -> None:
    f = tmp_path / "hostile.txt"
    f.write_text(HOSTILE, encoding="utf-8")
    target = tmp_path / "report.html"
    assert main(["analyze", str(f), "--format", "html", "--out", str(target)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == ""
    page = target.read_text(encoding="utf-8")

    # The raw markup never appears; its escaped form does.
    raws = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<img", "<script>alert")
    for raw in raws:
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page

    parsed = _Page()
    parsed.feed(page)
    parsed.close()
    names = [t for t, _ in parsed.tags]
    assert "img" not in names
    assert names.count("script") == 1  # the renderer's own, pinned by the CSP
    assert not any("alert" in s for s in parsed.scripts)
    assert not any(k.startswith("on") for _, attrs in parsed.tags for k in attrs)
    # ... and as text, the article's markup reads exactly as written.
    shown = "".join(parsed.text)
    assert "<script>alert(1)</script>" in shown
    assert "<img src=x onerror=alert(1)>" in shown


# --------------------------------------------------------------------------------------- very large

BIG_PARAGRAPH = (
    "Officials in Valdora said on Tuesday that the new desalination plant would open “within "
    "weeks”, despite protests outside the ministry. “We have waited long enough,” said José "
    "Martín, the water minister. Critics say the €2 billion project is over budget, and one "
    "engineer, who spoke on condition of anonymity, said the pumps had “never been tested at full "
    "load.” According to the regional council, 40,000 homes will be connected by the end of the "
    "year. \"It's a gamble,\" a spokesperson for the Greens told reporters.\n\n"
)


def big_article(tmp_path: Path) -> tuple[Path, str]:
    reps = -(-5_000_000 // len(BIG_PARAGRAPH.encode("utf-8")))
    text = BIG_PARAGRAPH * reps
    f = tmp_path / "big.txt"
    f.write_text(text, encoding="utf-8")
    return f, text


def test_five_megabyte_article_is_refused_in_one_line(tmp_path: Path) -> None:
    """By default a 5 MB "article" is refused with a clear one-line error naming the way out."""
    f, _ = big_article(tmp_path)
    proc = run_cli("analyze", str(f), "--format", "json")
    assert proc.returncode == 1 and proc.stdout == ""
    line = one_line(proc.stderr)
    assert "MB limit" in line and "--max-mb" in line


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("CLAIMLEDGER_BIG"),
    reason="analysing 5 MB takes minutes and > 1 GB; set CLAIMLEDGER_BIG=1 to run it",
)
def test_five_megabyte_article(tmp_path: Path, validator) -> None:
    reps = -(-5_000_000 // len(BIG_PARAGRAPH.encode("utf-8")))
    text = BIG_PARAGRAPH * reps
    f = tmp_path / "big.txt"
    f.write_text(text, encoding="utf-8")
    size = f.stat().st_size
    assert size >= 5_000_000
    target = tmp_path / "big.json"

    timeout = float(os.environ.get("CLAIMLEDGER_BIG_TIMEOUT", "600"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    try:
        proc = run_cli("analyze", str(f), "--format", "json", "--max-mb", "10", "--out",
                       str(target), timeout=timeout)
    except subprocess.TimeoutExpired:
        proc = None
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the child is reaped either way
    peak = f"{after / 1024:.0f} MB" if after > before else f"<= {before / 1024:.0f} MB"
    status = "timed out" if proc is None else f"exit {proc.returncode}"
    print(f"\n5 MB article: {size:,} bytes, {status}, {seconds:.1f} s, "
          f"peak RSS of the CLI process {peak}")
    if proc is None:
        pytest.fail(
            f"a {size:,}-byte article neither finished nor failed cleanly in {timeout:.0f} s "
            f"(peak RSS {peak}); set CLAIMLEDGER_BIG_TIMEOUT to wait longer"
        )

    if proc.returncode != 0:  # acceptable only as a clean one-line refusal
        assert proc.returncode == 1
        one_line(proc.stderr)
        return
    assert proc.stderr == "" and proc.stdout == ""
    d = json.loads(target.read_text(encoding="utf-8"))
    check_ledger(d, validator, text)
    print(f"5 MB article: {len(d['attributions']):,} attributions, {len(d['sources']):,} sources")
    assert d["attributions"], "a news-style article full of 'said' yields attributions"


# ------------------------------------------------------------------ sentence tools (issue 3)


@pytest.mark.parametrize("engine", ["accurate", "fast"])
def test_checkworthy_cli(tmp_path: Path, capsys, engine) -> None:
    f = tmp_path / "s.txt"
    f.write_text(
        "Unemployment fell to 3.9% in March, the lowest level since 2001.\n"
        "Thank you all for being here tonight.\n\n",
        encoding="utf-8",
    )
    assert main(["checkworthy", str(f), "--engine", engine]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3  # one line out per line in, blank lines included
    scores = [float(line.split("\t")[0]) for line in lines]
    labels = [line.split("\t")[1] for line in lines]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert labels[0] == "Yes" and labels[1] == "No"
    assert scores[0] > scores[1]


def test_certainty_cli(tmp_path: Path, capsys) -> None:
    f = tmp_path / "s.txt"
    f.write_text(
        "The alleged smugglers may have been couriers.\nThe bridge reopened on Monday.\n",
        encoding="utf-8",
    )
    assert main(["certainty", str(f)]) == 0
    first, second = capsys.readouterr().out.splitlines()
    label, cues = first.split("\t")
    assert label == "uncertain" and set(cues.split(";")) == {"alleged", "may"}
    assert second == "certain\t"


def test_sentence_tools_reject_binary(tmp_path: Path) -> None:
    f = tmp_path / "b.bin"
    f.write_bytes(b"\x00\x01\x02" * 100)
    r = run_cli("certainty", str(f))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


# ------------------------------------------------------------------ special files and encodings


def test_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    proc = run_cli("analyze", str(fifo), "--format", "json", timeout=60)  # hung forever before
    assert proc.returncode == 1 and proc.stdout == ""
    assert one_line(proc.stderr) == (
        f"claimledger: error: cannot read {fifo}: not a regular file (a FIFO)"
    )


def test_directory_with_special_files_writes_the_good_ones(tmp_path: Path, validator) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a_good.txt").write_text(GOOD, encoding="utf-8")
    os.mkfifo(corpus / "b_pipe.txt")
    (corpus / "c_good.txt").write_text(GOOD_2, encoding="utf-8")
    (corpus / "d_zero.txt").symlink_to("/dev/zero")  # read whole, it would never end
    (corpus / "e_link.txt").symlink_to(corpus / "b_pipe.txt")
    proc = run_cli("analyze", str(corpus), "--format", "jsonl", timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"claimledger: error: cannot read {corpus / name}: not a regular file ({kind})"
        for name, kind in (("b_pipe.txt", "a FIFO"), ("d_zero.txt", "a character device"),
                           ("e_link.txt", "a FIFO"))
    ]
    ledgers = [json.loads(row) for row in proc.stdout.splitlines()]
    assert [d["meta"]["path"] for d in ledgers] == [
        str(corpus / "a_good.txt"), str(corpus / "c_good.txt"),
    ]
    check_ledger(ledgers[0], validator, GOOD)
    check_ledger(ledgers[1], validator, GOOD_2)


def test_dev_stdin_as_a_pipe_points_to_dash() -> None:
    proc = run_cli("analyze", "/dev/stdin", input=GOOD, timeout=60)
    assert proc.returncode == 1
    assert one_line(proc.stderr) == (
        "claimledger: error: cannot read /dev/stdin: not a regular file (a FIFO); "
        "give - to read standard input"
    )


@pytest.mark.parametrize("command", ["certainty", "checkworthy", "stance"])
def test_line_tools_refuse_a_fifo(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    proc = run_cli(command, str(fifo), timeout=60)
    assert proc.returncode == 1
    assert one_line(proc.stderr) == (
        f"claimledger: error: cannot read {fifo}: not a regular file (a FIFO)"
    )


def test_unlistable_directory_is_one_error_and_the_rest_is_written(tmp_path: Path, capsys) -> None:
    probe = tmp_path / "probe"
    probe.write_text("x")
    probe.chmod(0)
    if os.access(probe, os.R_OK):
        pytest.skip("file permissions are not enforced here (root with CAP_DAC_OVERRIDE)")
    closed = tmp_path / "closed"
    closed.mkdir()
    closed.chmod(0)
    good = tmp_path / "good.txt"
    good.write_text(GOOD, encoding="utf-8")
    try:
        code = main(["analyze", str(closed), str(good), "--format", "jsonl"])
    finally:
        closed.chmod(0o755)
    out, err = capsys.readouterr()
    assert code == 1 and len(out.splitlines()) == 1
    assert one_line(err) == (
        f"claimledger: error: cannot read {closed}: cannot list the directory (permission denied)"
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_article_with_a_byte_order_mark_is_read(
    tmp_path: Path, capsys, validator, encoding: str
) -> None:
    f = tmp_path / "a.txt"
    data = GOOD.encode(encoding)
    f.write_bytes(data if encoding != "utf-16-be" else b"\xfe\xff" + data)
    assert main(["analyze", str(f), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    check_ledger(json.loads(out), validator, GOOD)  # the mark is not part of the text


def test_utf16_without_a_mark_says_how_to_convert(tmp_path: Path, capsys) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(GOOD.encode("utf-16-le"))
    assert main(["analyze", str(f)]) == 1
    assert one_line(capsys.readouterr().err) == (
        f"claimledger: error: cannot read {f}: looks like UTF-16 without a byte-order mark; "
        "convert it, e.g. iconv -f utf-16le -t utf-8"
    )


def test_spark_without_java_says_what_to_install(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "corpus.jsonl"
    src.write_text(json.dumps({"text": GOOD}) + "\n", encoding="utf-8")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    assert main(["spark", str(src), "--out", str(tmp_path / "out")]) == 2
    line = one_line(capsys.readouterr().err)
    assert "needs Java" in line and "openjdk-17-jre-headless" in line and "JAVA_HOME" in line
    assert not (tmp_path / "out").exists()


def test_out_to_a_fifo_nothing_reads_is_an_error_not_a_wait(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text(GOOD, encoding="utf-8")
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    proc = run_cli("analyze", str(f), "--format", "json", "--out", str(fifo), timeout=60)
    assert proc.returncode == 1
    assert one_line(proc.stderr) == (
        f"claimledger: error: cannot write {fifo}: a FIFO that nothing reads"
    )


def test_a_fifo_as_store_or_families_file_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    proc = run_cli("stats", "--db", str(fifo), timeout=60)  # DuckDB waited on it for ever
    assert proc.returncode == 1
    assert one_line(proc.stderr) == (
        f"claimledger: error: cannot open {fifo}: not a regular file (a FIFO), "
        "not a claimledger store"
    )
    from claimledger.crossref.families import Families
    from claimledger.errors import InputError

    with pytest.raises(InputError, match="not a regular file"):
        Families.load(str(fifo))

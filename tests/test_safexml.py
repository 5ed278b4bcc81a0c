"""kbtool.safexml and the file walk of kbtool.kb, against hostile bytes and filesystem traps.

The CLI-level battery is in test_badinputs.py; here each guard is checked on its own.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lxml import etree

from kbtool import safexml
from kbtool.config import load_config
from kbtool.diagnostics import Diagnostic
from kbtool.kb import iter_xml_paths
from kbtool.safexml import find_doctype, load_xml, make_parser, parse_bytes, read_capped

BAD = Path(__file__).parent / "fixtures" / "badinputs" / "xml"
DOC = (
    '<?xml version="1.0"?>\n'
    "<specification><metadata><name>n</name><type>learnings</type><category>c</category>"
    "</metadata><learnings/></specification>\n"
)
XXE = (
    '<?xml version="1.0" encoding="{enc}"?>\n'
    '<!DOCTYPE specification [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>\n'
    "<specification><t>&xxe;</t></specification>\n"
)


def codes(findings: list[Diagnostic]) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in findings]


# ------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("empty.xml", [("KB102", 1)]),
        ("whitespace_only.xml", [("KB102", 1)]),
        ("billion_laughs.xml", [("KB103", 2)]),
        ("quadratic_blowup.xml", [("KB103", 2)]),
        ("xxe_local_file.xml", [("KB103", 2)]),
        ("xxe_remote.xml", [("KB103", 2)]),
        ("dtd_retrieval_local.xml", [("KB103", 2)]),
        ("dtd_retrieval_remote.xml", [("KB103", 2)]),
        ("internal_entity_benign.xml", [("KB103", 2)]),
        ("truncated.xml", [("KB101", 4)]),
        ("binary_garbage.xml", [("KB101", 1)]),
        ("latin1_declared_utf8.xml", [("KB101", 3)]),
        ("deep_nesting.xml", [("KB101", 2)]),
    ],
)
def test_rejected_before_or_by_the_parser(name: str, expected: list[tuple[str, int]]) -> None:
    root, findings = parse_bytes((BAD / name).read_bytes(), name)
    assert root is None
    assert sorted(set(codes(findings))) == expected
    assert all(d.path == name and d.col >= 1 for d in findings)


@pytest.mark.parametrize(
    ("name", "line", "byte"),
    [("nul_byte.xml", 3, b"\x00"), ("ansi_escape_in_text.xml", 4, b"\x1b")],
)
def test_forbidden_characters_are_not_well_formed(name: str, line: int, byte: bytes) -> None:
    data = (BAD / name).read_bytes()
    assert data.count(b"\n", 0, data.index(byte)) + 1 == line
    root, findings = parse_bytes(data, name)
    assert root is None and findings
    assert {(d.code, d.line) for d in findings} == {("KB101", line)}


@pytest.mark.parametrize(
    "name",
    [
        "crlf.xml",
        "utf8_bom.xml",
        "utf16_bom.xml",
        "very_long_line.xml",
        "xinclude.xml",
        "xslt_stylesheet_pi.xml",
        "xsi_schema_location.xml",
        "roundtrip_fidelity.xml",
    ],
)
def test_well_formed_files_parse(name: str) -> None:
    root, findings = parse_bytes((BAD / name).read_bytes(), name)
    assert findings == []
    assert root is not None and root.tag == "specification"


def test_xinclude_is_never_processed() -> None:
    root, _ = parse_bytes((BAD / "xinclude.xml").read_bytes(), "xinclude.xml")
    assert root is not None
    includes = root.findall(".//{http://www.w3.org/2001/XInclude}include")
    assert len(includes) == 2  # still the xi:include elements, nothing was pulled in
    assert "".join(root.find(".//description").itertext()) == ""


def test_utf16_text_is_decoded() -> None:
    root, _ = parse_bytes((BAD / "utf16_bom.xml").read_bytes(), "utf16_bom.xml")
    assert root is not None
    assert root.findtext(".//title") == "UTF-16 with BOM – ü"


@pytest.mark.parametrize("enc", ["utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("bom", [False, True])
def test_doctype_is_found_in_any_encoding(enc: str, bom: bool) -> None:
    """A DOCTYPE is refused in every encoding the parser autodetects, with or without a BOM."""
    text = XXE.format(enc=enc.upper()[:6])
    data = (("\ufeff" if bom else "") + text).encode(enc)
    assert find_doctype(data) == 2
    root, findings = parse_bytes(data, "x.xml")
    assert root is None and codes(findings) == [("KB103", 2)]


def test_doctype_after_comments_and_pis() -> None:
    data = b'<?xml version="1.0"?>\n<!-- a\ncomment -->\n<?pi data?>\n<!DOCTYPE x>\n<x/>'
    assert find_doctype(data) == 5


@pytest.mark.parametrize(
    "text",
    [DOC, "<x><!-- <!DOCTYPE x> --></x>", "<x><![CDATA[<!DOCTYPE x>]]></x>", "<x>&lt;!DOCTYPE</x>"],
)
def test_no_false_doctype(text: str) -> None:
    assert find_doctype(text.encode()) is None
    assert parse_bytes(text.encode(), "x.xml")[1] == []


def test_doctype_the_prolog_scan_misses_is_still_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Defence in depth: the parsed tree's own DOCTYPE is checked too."""
    monkeypatch.setattr(safexml, "find_doctype", lambda data: None)
    root, findings = parse_bytes(XXE.format(enc="UTF-8").encode(), "x.xml")
    assert root is None and [d.code for d in findings] == ["KB103"]


def test_parser_never_resolves_entities_or_loads_dtds(tmp_path: Path) -> None:
    """Even handed a DOCTYPE directly, the parser reads no DTD and expands no entity."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    dtd = tmp_path / "x.dtd"
    dtd.write_text(f'<!ENTITY leak SYSTEM "{secret.as_uri()}">')
    data = f'<!DOCTYPE x SYSTEM "{dtd.as_uri()}"><x>&leak;</x>'.encode()
    try:
        root = etree.fromstring(data, make_parser())
    except etree.XMLSyntaxError:
        return  # refused outright: fine
    assert "TOP-SECRET-VALUE" not in etree.tostring(root, encoding="unicode")


@pytest.mark.parametrize(
    "data",
    [
        b"<x>" + b"a" * (11 << 20) + b"</x>",  # a text node over libxml2's 10 MB limit
        b'<x a="' + b"a" * (11 << 20) + b'"/>',  # an attribute value as large
        b"<" + b"n" * 100_000 + b"/>",  # a name over the 50 000-character limit
    ],
    ids=["text", "attribute", "name"],
)
def test_parser_limits_hold_behind_the_size_cap(data: bytes) -> None:
    """With a raised cap the parser's own limits still apply: huge_tree is never on."""
    root, findings = parse_bytes(data, "x.xml")
    assert root is None and {d.code for d in findings} == {"KB101"}


def test_syntax_findings_are_capped() -> None:
    data = b"<x>" + b"\x01" * 500 + b"</x>"
    _, findings = parse_bytes(data, "x.xml")
    assert 1 <= len(findings) <= 20


def test_parse_errors_do_not_leak_between_files() -> None:
    _, first = parse_bytes(b"<a>", "a.xml")
    _, second = parse_bytes(b"<b></c>", "b.xml")
    assert {d.path for d in second} == {"b.xml"}
    assert not any("Premature end" in d.message for d in second), second
    assert first


@pytest.fixture
def port9() -> Iterator[socket.socket]:
    """A listener on 127.0.0.1:9, where the hostile files point; nothing may connect."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", 9))
    except OSError as exc:
        sock.close()
        pytest.skip(f"cannot listen on 127.0.0.1:9: {exc}")
    sock.listen(16)
    sock.setblocking(False)
    yield sock
    sock.close()


def assert_no_connection(sock: socket.socket) -> None:
    try:
        conn, addr = sock.accept()
    except BlockingIOError:
        return
    conn.close()
    pytest.fail(f"kbtool connected to 127.0.0.1:9 from {addr}")


def test_no_network_during_parse(port9: socket.socket) -> None:
    for name in (
        "xxe_remote.xml",
        "dtd_retrieval_remote.xml",
        "xinclude.xml",
        "xslt_stylesheet_pi.xml",
        "xsi_schema_location.xml",
    ):
        data = (BAD / name).read_bytes()
        parse_bytes(data, name)
        with contextlib.suppress(etree.XMLSyntaxError):  # the raw parser too, DOCTYPE and all
            etree.fromstring(data, make_parser())
    assert_no_connection(port9)


# ------------------------------------------------------------------ reading files


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    (root / "learnings").mkdir(parents=True)
    (root / "kbtool.toml").write_text('learnings = "learnings"\n')
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.xml").write_text("OUTSIDE-SECRET")
    return root.resolve()


def test_read_capped_reads_a_regular_file(kb: Path) -> None:
    path = kb / "learnings" / "ok.xml"
    path.write_text(DOC)
    assert read_capped(path, kb, 1 << 20) == DOC.encode()


def test_read_cap_is_exact(kb: Path) -> None:
    path = kb / "learnings" / "ok.xml"
    path.write_bytes(b"x" * 100)
    assert read_capped(path, kb, 100) == b"x" * 100
    over = read_capped(path, kb, 99)
    assert isinstance(over, Diagnostic) and over.code == "KB105"
    assert "100 bytes" in over.message and "99-byte cap" in over.message


@pytest.mark.parametrize(
    ("make", "code", "reason"),
    [
        (lambda d, out: (d / "x.xml").symlink_to(out / "secret.xml"), "KB104", "leaves"),
        (
            lambda d, out: (d / "x.xml").symlink_to(os.path.relpath(out / "secret.xml", d)),
            "KB104",
            "leaves",
        ),
        (lambda d, out: (d / "x.xml").symlink_to("/dev/zero"), "KB104", "leaves"),
        (lambda d, out: (d / "x.xml").symlink_to(d / "missing.xml"), "KB100", "no such file"),
        (
            lambda d, out: (
                (d / "x.xml").symlink_to(d / "y.xml"),
                (d / "y.xml").symlink_to(d / "x.xml"),
            ),
            "KB100",
            "loop",
        ),
        (lambda d, out: os.mkfifo(d / "x.xml"), "KB106", "not a regular file"),
        (lambda d, out: (d / "x.xml").mkdir(), "KB106", "not a regular file"),
    ],
    ids=["link-out", "relative-link-out", "dev-zero", "dangling", "loop", "fifo", "folder"],
)
def test_read_capped_refuses(
    kb: Path, make: Callable[[Path, Path], object], code: str, reason: str
) -> None:
    folder = kb / "learnings"
    make(folder, kb.parent / "outside")
    found = read_capped(folder / "x.xml", kb, 1 << 20)
    assert isinstance(found, Diagnostic), found
    assert (found.code, found.line, found.col) == (code, 0, 0)
    assert reason in found.message


def test_link_in_a_parent_folder_leaving_the_root(kb: Path) -> None:
    (kb / "learnings" / "sub").symlink_to(kb.parent / "outside")
    found = read_capped(kb / "learnings" / "sub" / "secret.xml", kb, 1 << 20)
    assert isinstance(found, Diagnostic) and found.code == "KB104"


def test_link_inside_the_root_is_followed(kb: Path) -> None:
    (kb / "learnings" / "real.xml").write_text(DOC)
    (kb / "learnings" / "alias.xml").symlink_to("real.xml")
    assert read_capped(kb / "learnings" / "alias.xml", kb, 1 << 20) == DOC.encode()


def test_read_capped_judges_a_path_the_caller_resolved(kb: Path) -> None:
    """``real`` (the caller resolved the folder) saves a realpath, never a check: it must be
    inside the root, and a link there is not followed."""
    path = kb / "learnings" / "ok.xml"
    path.write_text(DOC)
    assert read_capped(path, kb, 1 << 20, real=path) == DOC.encode()
    secret = kb.parent / "outside" / "secret.xml"
    found = read_capped(path, kb, 1 << 20, real=secret)
    assert isinstance(found, Diagnostic) and found.code == "KB104"
    (kb / "learnings" / "link.xml").symlink_to(secret)
    found = read_capped(path, kb, 1 << 20, real=kb / "learnings" / "link.xml")
    assert isinstance(found, Diagnostic) and found.code == "KB100"
    assert "OUTSIDE-SECRET" not in found.message


def test_device_inside_the_root(kb: Path) -> None:
    path = kb / "learnings" / "zero.xml"
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero's numbers
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot create a device node here: {exc}")
    found = read_capped(path, kb, 1 << 20)
    assert isinstance(found, Diagnostic) and found.code == "KB106"


def test_load_xml_carries_source_lines(kb: Path) -> None:
    path = kb / "learnings" / "ok.xml"
    path.write_text(DOC)
    source = load_xml(path, kb, 1 << 20)
    assert source.diagnostics == [] and source.root is not None
    assert source.root.find("metadata").sourceline == 2


# ------------------------------------------------------------------ walking the KB


def test_walk_handles_traps(kb: Path) -> None:
    folder = kb / "learnings"
    for name in ("ok.xml", "-rf.xml", "--help.xml", "name with spaces.xml", "UPPER.XML"):
        (folder / name).write_text(DOC)
    (folder / "newline\nin_name.xml").write_text(DOC)
    os.mkdir(os.fsencode(folder) + b"/latin1_\xe9.xml")  # a folder with a non-UTF-8 name
    (folder / "dirloop").mkdir()
    (folder / "dirloop" / "up").symlink_to("..")
    (folder / "escape_dir").symlink_to(kb.parent / "outside")
    (folder / "directory_named.xml").mkdir()
    (folder / "directory_named.xml" / "inner.xml").write_text(DOC)
    os.mkfifo(folder / "fifo.xml")
    config = load_config(root=kb)
    walked = list(iter_xml_paths([], config))
    found = [p for p in walked if isinstance(p, Path)]
    reported = [(d.path, d.code) for d in walked if not isinstance(d, Path)]
    # The folder linked out of the root is reported (issue 10), never walked.
    assert [(Path(p).name, code) for p, code in reported] == [("escape_dir", "KB104")]
    names = sorted(os.fsencode(p.relative_to(folder)) for p in found)
    assert names == sorted(
        [
            b"--help.xml",
            b"-rf.xml",
            b"directory_named.xml",
            b"fifo.xml",
            b"latin1_\xe9.xml",
            b"name with spaces.xml",
            b"newline\nin_name.xml",
            b"ok.xml",
        ]
    )  # no link followed, no loop, UPPER.XML is not a KB file, the folder named .xml is a path
    loaded = {p.name: load_xml(p, kb, 1 << 20) for p in found}
    assert [d.code for d in loaded["directory_named.xml"].diagnostics] == ["KB106"]
    assert [d.code for d in loaded["fifo.xml"].diagnostics] == ["KB106"]
    assert loaded["-rf.xml"].diagnostics == []


def test_named_path_outside_the_root(kb: Path) -> None:
    config = load_config(root=kb)
    (kb / "learnings" / "escape_dir").symlink_to(kb.parent / "outside")
    for target in (
        kb.parent / "outside" / "secret.xml",
        kb / "learnings" / "escape_dir" / "secret.xml",
    ):
        found = list(iter_xml_paths([target], config))
        assert [d.code for d in found if isinstance(d, Diagnostic)] == ["KB104"]


def test_folders_too_deep_are_reported_not_read(tmp_path: Path) -> None:
    """A committed learnings tree 1,500 levels deep cost every command 14 s and ended it in a
    RecursionError. Walks stop at MAX_FOLDER_DEPTH: validate says where (KB107), and the
    index's walk lists the same files validate reads."""
    from kbtool.config import load_config
    from kbtool.confine import MAX_FOLDER_DEPTH
    from kbtool.kb import iter_xml_paths
    from kbtool.search.stamps import listed

    (tmp_path / "kbtool.toml").write_text("")
    learnings = tmp_path / "learnings"
    shallow = learnings.joinpath(*["d"] * 50)
    deep = learnings.joinpath(*["d"] * (MAX_FOLDER_DEPTH + 5))
    deep.mkdir(parents=True)
    (shallow / "within.xml").write_text("<specification/>")
    (deep / "below.xml").write_text("<specification/>")
    config = load_config(root=tmp_path)
    found = list(iter_xml_paths([], config))
    files = [p.name for p in found if isinstance(p, Path)]
    problems = [d for d in found if not isinstance(d, Path)]
    assert files == ["within.xml"]
    assert [d.code for d in problems] == ["KB107"]
    assert problems[0].path.endswith("/d" * MAX_FOLDER_DEPTH)
    assert [name for _, _, names in listed(config) for name in names] == ["within.xml"]

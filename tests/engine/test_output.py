"""Output folders (issue 8): the tool replaces only what it can prove is its own."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from desertion.engine.output import (
    RUN_FORMAT,
    OutputError,
    ResultFolder,
    default_run_folder,
    read_run_json,
    run_identity,
    slug,
    write_file_safely,
)
from desertion.engine.results import MissingResultError, ResultError, RunResult


def fake_result(folder: Path, seed: int = 1, files: list[str] | None = None) -> Path:
    folder.mkdir(parents=True)
    meta = {"format": RUN_FORMAT, "model": "manpower", "scenario": {"name": "x"},
            "seed": seed, "version": "0", "files": files or ["run.json"]}
    (folder / "run.json").write_text(json.dumps(meta))
    return folder


def identity_of(seed: int) -> str:
    return run_identity("manpower", {"name": "x"}, seed)


@pytest.mark.parametrize("text", ["../../escaped", "/etc/passwd", "..", ".hidden", "a" * 300,
                                  "a/b\\c:d*e", "[/x]", "\u00e9t\u00e9 2014", ""])
def test_slug_is_a_safe_bounded_name(text: str) -> None:
    name = slug(text)
    assert name and len(name) <= 48
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789._-")


def test_default_folder_stays_under_its_root_and_differs_per_run(tmp_path: Path) -> None:
    a = default_run_folder(tmp_path, "../../escaped", 1, identity_of(1))
    b = default_run_folder(tmp_path, "../../escaped", 2, identity_of(2))
    assert a.parent == tmp_path and b.parent == tmp_path and a != b
    assert run_identity("manpower", {"name": "x", "scale": 0.5}, 1) != identity_of(1)


def test_a_folder_of_the_users_is_refused_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "user"
    target.mkdir()
    (target / "notes.txt").write_text("keep")
    with pytest.raises(OutputError, match="exists and is not a desertion result"):
        ResultFolder.claim(target, identity_of(1))
    assert (target / "notes.txt").read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["user"]  # no staging folder left


def test_a_file_is_refused_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("keep")
    with pytest.raises(OutputError, match="is not a folder"):
        ResultFolder.claim(target, identity_of(1))
    assert target.read_text() == "keep"
    with pytest.raises(OutputError, match="is a file, not a folder"):
        ResultFolder.claim(target / "sub", identity_of(1))


def test_a_symlink_is_refused(tmp_path: Path) -> None:
    real = fake_result(tmp_path / "real")
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(OutputError, match="is not a folder"):
        ResultFolder.claim(tmp_path / "link", identity_of(1))


def test_the_current_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    fake_result(tmp_path / "here")
    monkeypatch.chdir(tmp_path / "here")
    for target in (Path("."), Path(".."), tmp_path / "here"):
        with pytest.raises(OutputError, match="current folder"):
            ResultFolder.claim(target, identity_of(1))


def test_a_result_with_foreign_files_is_refused(tmp_path: Path) -> None:
    target = fake_result(tmp_path / "run")
    (target / "draft.docx").write_text("mine")
    with pytest.raises(OutputError, match=r"holds files it did not write \(draft.docx\)"):
        ResultFolder.claim(target, identity_of(1), replace_other_run=True)


def test_a_result_of_another_run_needs_consent(tmp_path: Path) -> None:
    target = fake_result(tmp_path / "run", seed=1)
    with pytest.raises(OutputError, match=r"different run .*seed 1.*--force"):
        ResultFolder.claim(target, identity_of(2))
    ResultFolder.claim(target, identity_of(1)).abandon()  # the same run: fine
    ResultFolder.claim(target, identity_of(2), replace_other_run=True).abandon()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_run_json_of_someone_else_is_not_proof(tmp_path: Path) -> None:
    target = tmp_path / "run"
    target.mkdir()
    (target / "run.json").write_text(json.dumps({"format": "other-tool/3"}))
    assert read_run_json(target) is None
    (target / "run.json").write_text("{not json")
    assert read_run_json(target) is None
    with pytest.raises(OutputError, match="not a desertion result"):
        ResultFolder.claim(target, None)


def test_an_unwritable_place_fails_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="cannot"):
        ResultFolder.claim(Path("/proc/desertion-test/x"), None)
    too_long = tmp_path / ("n" * 300)
    with pytest.raises(OutputError, match="cannot be used: File name too long"):
        ResultFolder.claim(too_long, None)
    assert list(tmp_path.iterdir()) == []


def test_parents_created_for_a_failed_write_are_removed(tmp_path: Path) -> None:
    folder = ResultFolder.claim(tmp_path / "a" / "b" / "run", None)
    assert (tmp_path / "a" / "b").is_dir()
    with pytest.raises(RuntimeError):
        folder.commit(lambda staging: (_ for _ in ()).throw(RuntimeError("boom")))
    assert list(tmp_path.iterdir()) == []


def test_folders_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        folder = ResultFolder.claim(tmp_path / "new" / "run", None)
        target = folder.commit(lambda staging: [])
    finally:
        os.umask(old)
    assert (target.stat().st_mode & 0o777) == 0o750
    assert ((tmp_path / "new").stat().st_mode & 0o777) == 0o750


def test_write_file_safely_keeps_a_file_it_did_not_write(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    path.write_text("my,own\n")
    with pytest.raises(OutputError, match="not written by desertion"):
        write_file_safely(path, lambda tmp: tmp.write_text("a\n"), option="--csv",
                          ours=lambda p: p.read_text().startswith("id,"))
    assert path.read_text() == "my,own\n"
    path.write_text("id,x\n1,2\n")
    write_file_safely(path, lambda tmp: tmp.write_text("id,x\n3,4\n"), option="--csv",
                      ours=lambda p: p.read_text().startswith("id,"))
    assert path.read_text() == "id,x\n3,4\n"
    with pytest.raises(OutputError, match="is a folder"):
        write_file_safely(tmp_path, lambda tmp: None, option="--csv", ours=lambda p: True)
    with pytest.raises(OutputError, match="cannot"):
        write_file_safely("/proc/desertion-test/x.csv", lambda tmp: tmp.write_text("a"),
                          option="--csv", ours=lambda p: True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]


def test_load_names_the_bad_file(tmp_path: Path) -> None:
    with pytest.raises(MissingResultError, match=r"no run\.json"):
        RunResult.load(tmp_path)
    target = fake_result(tmp_path / "run")
    with pytest.raises(MissingResultError, match=r"timeseries.parquet: missing"):
        RunResult.load(target)
    (target / "timeseries.parquet").write_bytes(b"PAR1 garbage")
    (target / "events.parquet").write_bytes(b"")
    with pytest.raises(ResultError, match=r"timeseries.parquet: cannot be read as Parquet"):
        RunResult.load(target)
    (target / "run.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(ResultError, match=r"run.json: cannot be read as JSON"):
        RunResult.load(target)
    (target / "run.json").write_text("[1, 2]")
    with pytest.raises(ResultError, match=r"run.json: is not the run.json of a desertion"):
        RunResult.load(target)

"""`--output` writes a new file or replaces a regular one atomically, and never swaps anything else for a
regular file: a pipe, a device (`-o /dev/stdout`, `/dev/null`) or a symbolic link is written through and
stays what it was; a folder, a socket or a dangling link is refused with one line and exit 2, as is a full
disk or a folder the user cannot write, with nothing left behind."""

from __future__ import annotations

import errno
import os
import shutil
import socket
import stat
import tempfile
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.errors import UserInputError
from cur_analyzer.render import write_atomically

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo" / "cur2-bedrock"
runner = CliRunner()


def chargeback_to(output: Path | str, fmt: str = "csv"):
    return runner.invoke(
        app, ["chargeback", "--month", "2026-10", "--cur", str(DEMO), "-f", fmt, "-o", str(output)]
    )


def assert_refused(result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    err = result.stderr.strip()
    assert "Traceback" not in result.output and len(err.splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err


def no_temp_files_in(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def device(folder: Path, name: str, like: str) -> Path:
    """A character device node of our own, the same device as ``like`` (e.g. /dev/null). Never the system's
    node itself: were ``--output`` ever to replace a device again, it must only break this copy."""
    path = folder / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.stat(like).st_rdev)
    except (PermissionError, OSError) as e:
        pytest.skip(f"cannot make a device node here ({e})")
    return path


# --- replaced atomically ---------------------------------------------------------------------------------
def test_a_regular_file_is_replaced_whole_and_readable_by_others(tmp_path):
    out = tmp_path / "c.csv"
    out.write_text("old report\n")
    assert chargeback_to(out).exit_code == 0
    assert "Unallocated" in out.read_text() and "old report" not in out.read_text()
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask
    assert no_temp_files_in(tmp_path)


# --- written through, never replaced ----------------------------------------------------------------------
def test_a_named_pipe_is_written_through_and_stays_a_pipe(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = chargeback_to(fifo)
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received and b"Unallocated" in received[0]
    assert no_temp_files_in(tmp_path)


def test_a_null_device_is_written_through_and_stays_a_device(tmp_path):
    null = device(tmp_path, "null", "/dev/null")
    assert chargeback_to(null).exit_code == 0
    assert stat.S_ISCHR(null.lstat().st_mode)
    assert no_temp_files_in(tmp_path)


@pytest.mark.parametrize("target", ["file", "device"])
def test_a_symbolic_link_stays_a_link_and_its_target_gets_the_report(tmp_path, target):
    real = tmp_path / "real.csv"
    if target == "file":
        real.write_text("old report\n")
    else:
        real = device(tmp_path, "null", "/dev/null")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    assert chargeback_to(link).exit_code == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    if target == "file":
        assert "Unallocated" in real.read_text()
    else:
        assert stat.S_ISCHR(real.lstat().st_mode)
    assert no_temp_files_in(tmp_path)


# --- refused, exit 2, nothing changed ---------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "table"])
def test_a_folder_as_output_is_refused_naming_it(tmp_path, fmt):
    (tmp_path / "keep.txt").write_text("keep")
    assert_refused(chargeback_to(tmp_path, fmt), str(tmp_path), "folder")
    assert tmp_path.is_dir() and [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_a_dangling_symbolic_link_is_refused_and_nothing_is_created(tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "elsewhere.csv")
    assert_refused(chargeback_to(link), str(link), "symbolic link")
    assert link.is_symlink() and not (tmp_path / "elsewhere.csv").exists()


def test_a_socket_is_refused_and_stays_a_socket():
    folder = Path(tempfile.mkdtemp(prefix="ca-"))  # a socket path must be short (108 bytes)
    try:
        path = folder / "s"
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(str(path))
            assert_refused(chargeback_to(path), str(path), "socket")
            assert stat.S_ISSOCK(path.lstat().st_mode)
    finally:
        shutil.rmtree(folder)


def test_a_full_disk_is_one_line_naming_the_output_not_an_internal_error(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    full = device(tmp_path, "full", "/dev/full")  # every write to it fails with ENOSPC
    assert_refused(chargeback_to(full), str(full), "no space left")
    assert stat.S_ISCHR(full.lstat().st_mode)


def test_a_full_disk_while_replacing_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    out = tmp_path / "c.csv"
    out.write_text("old report\n")
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **kw: FullDisk(real_fdopen(fd, *a, **kw)))
    with pytest.raises(UserInputError, match="no space left") as error:
        write_atomically(out, "new report\n")
    monkeypatch.undo()
    assert str(out) in str(error.value) and "\n" not in str(error.value)
    assert out.read_text() == "old report\n"
    assert no_temp_files_in(tmp_path)


def test_a_folder_the_user_cannot_write_is_one_line(tmp_path, monkeypatch):
    import tempfile as tempfile_module

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".c.csv.x.tmp"))

    monkeypatch.setattr(tempfile_module, "mkstemp", denied)
    result = chargeback_to(tmp_path / "c.csv")
    assert_refused(result, str(tmp_path / "c.csv"), "permission denied")
    assert ".tmp" not in result.stderr  # the line names the user's file, not our temporary one


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
def test_a_read_only_folder_is_one_line(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert_refused(chargeback_to(folder / "c.csv"), str(folder / "c.csv"), "permission denied")
    finally:
        folder.chmod(0o700)


def test_a_binary_format_is_not_written_to_a_terminal(tmp_path):
    try:
        leader, follower = os.openpty()
    except OSError:
        pytest.skip("no pseudo-terminal")
    try:
        # through a link of our own (a pty node cannot be copied): a regression replaces the link only
        tty = tmp_path / "tty"
        tty.symlink_to(os.ttyname(follower))
        assert_refused(chargeback_to(tty, "xlsx"), "terminal")
        assert tty.is_symlink() and stat.S_ISCHR(tty.stat().st_mode)
    finally:
        os.close(leader)
        os.close(follower)

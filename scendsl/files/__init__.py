"""One file policy for every command: which input files are read, and how output is written.

Reading (`check`, `eval`, `build`, `fmt`, ...):
- A folder named on the command line is searched recursively for `*.scn` files, in sorted order.
- A symbolic link inside it (to a file or a folder) that resolves outside that folder is refused
  with an error naming it, and never read. Links that stay inside are not followed as folders
  (what they point at is found anyway) and are read as files.
- Only regular files are opened: FIFOs, sockets and devices are refused without being opened
  (opening a FIFO blocks), and every file is opened non-blocking and checked with `fstat`, so
  a file swapped for a FIFO after the check cannot block either.
- An unreadable subfolder, a broken link or a file of another kind is an error, never skipped.
- A hidden name (starting with a dot) found in a searched folder is not the user's scenario but
  what an editor or a system keeps beside it (Emacs's lock link `.#s.scn`, macOS's `._s.scn`,
  `.git`): passed over, a hidden folder not entered (`is_hidden`). Named on the command line or
  by an import, such a file is read.

Writing (`build`, `fmt`):
- The build writes a new folder beside the output folder and swaps it in (an atomic exchange on
  Linux), so the output is the old build or the new one, never half. Temporary folders left by a
  killed build are removed by the next one (a live build holds a lock on its own).
- The output folder is not reached through a symbolic link: `-o` is refused when it, or any
  folder on its way, is a link, unless that link is also on the way to the current folder (as
  written by `os.getcwd()` or `$PWD`: a system link such as `/home -> /usr/home` above the
  project is fine, a link inside the project, `out -> ../victim`, or `~/public_html -> ...`
  is not). Every prefix of `-o` as written is checked, made absolute but not normalised (the
  OS resolves `evil/../x` through `evil`), so a relative and an absolute `-o` are judged alike.
- A name the build writes is a plain top-level `.md`/`.html` file name (`is_output_name`),
  whoever gave it (the renderer, a record of the build cache, the manifest): never `../x`, an
  absolute path or a hidden file; `write_output` refuses any other.
- Nothing inside the output folder is followed: a symbolic link (or a folder) where a file of the
  build belongs is refused with an error naming it; files are created with `O_EXCL|O_NOFOLLOW`.
- The build never crosses a file system boundary nor a mount: an output folder that is a mount
  point, or holds one (a folder on another device, or a folder or file bind-mounted there,
  found in `/proc/self/mountinfo` where the device is the same), is refused before anything is
  copied, and removing a temporary folder never descends into a folder of another device nor
  into, or through, a mount point.
- The output folder holds a manifest (`.scendsl-manifest`) of the files the build wrote; only
  those are replaced or removed as stale, and only if they are regular files: a name listed
  there that is a folder, a link or anything else is the user's and kept. Everything else in
  the folder is the user's and kept.
- `fmt` replaces a file through a temporary file in the same folder and `os.replace`; a table
  (`eval -o FILE`) is streamed into such a temporary file as it is made (`replace_file_with`),
  never held whole.
- Concurrent builds of one folder each finish whole (the last to finish is the output): a
  cleanup holds a leftover's lock while it removes it, and a build whose new folder was taken
  for one makes another.
- `serve` reads a page from its output folder resolved once, through no link at all
  (`open_beneath`: every folder from the root down opened with O_NOFOLLOW), so the folder
  replaced by a link to elsewhere serves nothing from there.
- `new` creates its file whole or not at all, never over anything (`create_file`: a temporary
  file beside it, then a hard link to the name, which fails if the name is taken).
- A cache folder (the build cache, the compiled templates) is used only when this user alone can
  write it and no other user can swap a folder above it (`files.private.private_folder`).
- A table (`eval -o FILE`) is never written to a scenario file: `-o`, or the file it leads to,
  ending in `.scn`, or one that is not a regular file (`/dev/null`), is refused before any
  work (`check_output_file`).
- An operating-system refusal (disk full, read-only, a parent that is a file, a name too long, a
  symlink loop) is a clear error naming the path, never a traceback; the old output is kept.
"""

from scendsl.files.discovery import is_hidden, open_beneath, open_regular, scenario_files, walk
from scendsl.files.guard import check_output_file, check_output_folder, output_folder_now
from scendsl.files.output import (
    GENERATED_SUFFIXES,
    MANIFEST,
    _lock,
    clean_leftovers,
    create_file,
    is_output_name,
    manifest_bytes,
    out_of_date,
    read_manifest,
    remove_tree,
    replace_file,
    replace_file_with,
    windows_device_name,
    write_output,
)
from scendsl.files.problems import kind_of, problem, reason

__all__ = [
    "GENERATED_SUFFIXES",
    "MANIFEST",
    "_lock",
    "check_output_file",
    "check_output_folder",
    "clean_leftovers",
    "create_file",
    "is_hidden",
    "is_output_name",
    "kind_of",
    "manifest_bytes",
    "open_beneath",
    "open_regular",
    "out_of_date",
    "output_folder_now",
    "problem",
    "read_manifest",
    "reason",
    "remove_tree",
    "replace_file",
    "replace_file_with",
    "scenario_files",
    "walk",
    "windows_device_name",
    "write_output",
]

//! Bounded reads and crash-safe writes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// The largest input file (table, alias, decision, usage or group file, bytecode) read unless
/// `ISA_AUTHORITY_MAX_INPUT` says otherwise: 1 GiB. Parsing a table costs a few times its size in
/// memory, so a larger file is refused before it is read rather than exhausting memory halfway.
pub const DEFAULT_MAX_INPUT: u64 = 1 << 30;

/// The input size limit in bytes: `ISA_AUTHORITY_MAX_INPUT` (a byte count, optionally with a
/// `K`, `M` or `G` suffix, powers of 1024), else [`DEFAULT_MAX_INPUT`].
pub fn max_input() -> u64 {
    std::env::var("ISA_AUTHORITY_MAX_INPUT")
        .ok()
        .and_then(|v| parse_size(&v))
        .unwrap_or(DEFAULT_MAX_INPUT)
}

fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let (digits, shift) = match t.char_indices().last()? {
        (i, 'K' | 'k') => (&t[..i], 10),
        (i, 'M' | 'm') => (&t[..i], 20),
        (i, 'G' | 'g') => (&t[..i], 30),
        _ => (t, 0),
    };
    digits.trim().parse::<u64>().ok()?.checked_mul(1 << shift)
}

/// Reads a whole input file, refusing one larger than `limit` bytes before reading it (and
/// reading at most `limit + 1` bytes, so a file that grows meanwhile is refused too). `-` reads
/// standard input under the same limit.
pub fn read_limited(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let too_large = |size: u64| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the input is {size} bytes, over the {limit}-byte limit (set ISA_AUTHORITY_MAX_INPUT to raise it)"
            ),
        )
    };
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        io::stdin().lock().take(limit + 1).read_to_end(&mut bytes)?;
    } else {
        let file = File::open(path)?;
        let size = file.metadata()?.len();
        if size > limit {
            return Err(too_large(size));
        }
        bytes.reserve(size as usize);
        file.take(limit + 1).read_to_end(&mut bytes)?;
    }
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Writes `bytes` to `path` atomically: the data goes to a temporary file in the same directory,
/// which is fsynced and renamed over `path`, and then the directory is fsynced so the rename
/// itself is durable. Readers (and a crash at any instant) see the old file or the new one,
/// never a mix; on error the temporary file is removed and `path` is untouched.
///
/// An existing file keeps its permission bits (a 0600 file stays 0600). When `path` is a
/// symbolic link, the file it points to is replaced and the link is kept, as a plain write
/// through the link would do. A large file replaced is freed by a thread of its own after
/// the rename (see [`hold_displaced`]), beside whatever the process does next.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    atomic_write_with(path, |file: &mut File| file.write_all(bytes))
}

/// [`atomic_write`] with the data written by `write` into the temporary file as it is
/// produced (a large output need not be held in memory first). When `write` fails, the
/// temporary file is removed, `path` is untouched, and its error is returned.
pub fn atomic_write_with<T, E: From<io::Error>>(
    path: &Path,
    write: impl FnOnce(&mut File) -> Result<T, E>,
) -> Result<T, E> {
    let resolved;
    let path = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            resolved = fs::canonicalize(path).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!(
                        "{} is a symbolic link to a missing file: {e}",
                        path.display()
                    ),
                )
            })?;
            resolved.as_path()
        }
        _ => path,
    };
    let existing = fs::metadata(path).ok();
    let existing_mode = existing.as_ref().map(|m| m.permissions());
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        unique()
    ));
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        if let Some(permissions) = &existing_mode {
            file.set_permissions(permissions.clone())?;
        }
        let value = write(&mut file)?;
        file.sync_all()?;
        drop(file);
        let displaced = existing.as_ref().and_then(|m| hold_displaced(path, m));
        fs::rename(&tmp, path)?;
        sync_dir(dir)?;
        if let Some(old) = displaced {
            release_in_background(old);
        }
        Ok(value)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes a command's single output: `-` is standard output, anything else a file written with
/// [`atomic_write`].
pub fn write_output(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if path.as_os_str() == "-" {
        let mut out = io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    } else {
        atomic_write(path, bytes)
    }
}

/// Fsyncs a directory so that renames and creations inside it survive a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    // Opening a directory read-only and calling fsync is the POSIX way; on platforms where
    // directories cannot be opened this way the rename is already as durable as it gets.
    match File::open(dir) {
        Ok(d) => d
            .sync_all()
            .or_else(|e| if cfg!(unix) { Err(e) } else { Ok(()) }),
        Err(e) if !cfg!(unix) => {
            let _ = e;
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Files at least this large that a write replaces are released in the background (see
/// [`hold_displaced`]); below it, a thread costs more than freeing the file.
const RELEASE_MIN: u64 = 16 << 20;

/// The regular file at `path`, which a rename is about to replace, opened for reading when it
/// is large: while it is open, the rename only unlinks it, and freeing its storage (which the
/// kernel does when the last link and the last open go) waits for the handle to close. On
/// tmpfs, freeing the 281 MB a translation replaced took 45 ms inside `rename`, one more
/// serial step at the end of the command; closed on another thread
/// ([`release_in_background`]), it overlaps the process's own teardown. `None` (the rename
/// frees it, as before) for a small file, one that is not a regular file, or one this process
/// cannot read, and off Unix, where a file held open may keep a rename from replacing it.
fn hold_displaced(path: &Path, meta: &fs::Metadata) -> Option<File> {
    if !(cfg!(unix) && meta.is_file() && meta.len() >= RELEASE_MIN) {
        return None;
    }
    let mut options = OpenOptions::new();
    options.read(true);
    // Never wait on a file that became a FIFO since it was looked at.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path).ok()
}

/// Closes the replaced file `old` on a thread of its own, so that freeing its storage runs
/// beside whatever the process does next. The thread is not joined: the new file is already
/// durable, and should the process end first, the kernel closes the file at exit, which frees
/// the same storage. Closed here when no thread can be started.
fn release_in_background(old: File) {
    // When the thread cannot start, the closure is dropped here, and the file with it.
    let _ = std::thread::Builder::new()
        .name("release-replaced".into())
        .spawn(move || drop(old));
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    (COUNTER.fetch_add(1, Ordering::Relaxed) << 32) ^ nanos
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounded_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        fs::write(&path, vec![b'x'; 100]).unwrap();
        assert_eq!(read_limited(&path, 100).unwrap().len(), 100);
        let e = read_limited(&path, 99).unwrap_err();
        assert!(e.to_string().contains("over the 99-byte limit"), "{e}");
        assert_eq!(parse_size("2M"), Some(2 << 20));
        assert_eq!(parse_size("512"), Some(512));
        assert_eq!(parse_size("x"), None);
    }

    #[cfg(unix)]
    #[test]
    fn modes_and_symlinks_are_kept() {
        use std::os::unix::fs::{symlink, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        fs::write(&secret, b"old").unwrap();
        fs::set_permissions(&secret, fs::Permissions::from_mode(0o600)).unwrap();
        atomic_write(&secret, b"new").unwrap();
        assert_eq!(
            fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let link = dir.path().join("link");
        symlink(&secret, &link).unwrap();
        atomic_write(&link, b"through").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&secret).unwrap(), b"through");
        let dangling = dir.path().join("dangling");
        symlink(dir.path().join("missing"), &dangling).unwrap();
        assert!(atomic_write(&dangling, b"x").is_err());
    }

    #[test]
    fn writes_and_replaces_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        atomic_write(&path, b"one").unwrap();
        atomic_write(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    #[cfg(unix)]
    fn a_large_replaced_file_is_held_across_the_rename() {
        // A file as large as RELEASE_MIN is held open across the rename (and closed on a thread
        // of its own afterwards); a smaller one, or one that is not a regular file, is not.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("program.bin");
        let old = vec![7u8; RELEASE_MIN as usize];
        atomic_write(&path, &old).unwrap();
        let meta = fs::metadata(&path).unwrap();
        assert!(hold_displaced(&path, &meta).is_some());
        let small = dir.path().join("small.bin");
        atomic_write(&small, &old[..1000]).unwrap();
        assert!(hold_displaced(&small, &fs::metadata(&small).unwrap()).is_none());
        assert!(hold_displaced(dir.path(), &fs::metadata(dir.path()).unwrap()).is_none());
        // Replaced: the new bytes, nothing left over, and a reader of the old file still
        // reads all of it.
        let mut reader = File::open(&path).unwrap();
        atomic_write(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let mut before = Vec::new();
        io::Read::read_to_end(&mut reader, &mut before).unwrap();
        assert_eq!(before, old);
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["program.bin", "small.bin"]);
    }

    #[test]
    fn a_failing_writer_leaves_target_untouched_and_no_temporary_file() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        atomic_write(&path, b"old").unwrap();
        let e = atomic_write_with(&path, |file: &mut File| -> io::Result<()> {
            file.write_all(b"half of the n")?;
            Err(io::Error::other("the producer failed"))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "the producer failed");
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        let n = atomic_write_with(&path, |file: &mut File| -> io::Result<usize> {
            file.write_all(b"new")?;
            Ok(3)
        })
        .unwrap();
        assert_eq!((n, fs::read(&path).unwrap()), (3, b"new".to_vec()));
    }

    #[test]
    fn failure_leaves_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-such-dir").join("x");
        assert!(atomic_write(&missing, b"x").is_err());
        assert!(!missing.exists());
    }
}
